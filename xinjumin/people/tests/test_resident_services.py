"""resident_create and friends: field-level bilingual errors, nothing written on bad input,
encryption at rest with key rotation, look-up through keyed hashes only."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from points.identifiers import id_check_character
from tests.personas import ADULT_YZ_ID, id_number
from xinjumin.audit.models import AuditEvent
from xinjumin.core import crypto
from xinjumin.core.errors import DomainError
from xinjumin.people.models import Employer, Guardianship, Marriage, Resident
from xinjumin.people.selectors import (
    children_of,
    guardians_of,
    resident_by_id_number,
    resident_search,
    spouse_of,
)
from xinjumin.people.services import (
    employer_create,
    resident_create,
    resident_link_guardian,
    resident_link_spouse,
    resident_update_phone,
)

NEW_ID = id_number("11010519491231002")  # 11010519491231002X, domain.md §4


def _wrong_check(value: str) -> str:
    return value[:17] + next(c for c in "0123456789X" if c != value[17])


def _counts() -> tuple[int, int]:
    return Resident.objects.count(), AuditEvent.objects.count()


def _reject(**kwargs) -> DomainError:  # type: ignore[no-untyped-def]
    args = {"id_number": NEW_ID, "name": "王芳", "district": "330212"} | kwargs
    before = _counts()
    with pytest.raises(DomainError) as caught:
        resident_create(**args)
    assert _counts() == before, "a rejected registration must write nothing"
    return caught.value


def test_create_sets_derived_fields_and_audits_without_clear_id(world):
    resident = resident_create(id_number=NEW_ID.lower(), name=" 王芳 ", district="330212",
                               phone="138 0000 0099", street="330212006")
    assert resident.id_number == "11010519491231002X" and resident.name == "王芳"
    assert (resident.birth_date, resident.gender) == (dt.date(1949, 12, 31), "F")
    assert resident.phone == "13800000099" and resident.phone_hash
    event = AuditEvent.objects.get(action="resident.create", object_id=str(resident.pk))
    assert NEW_ID not in str(event.detail) and "13800000099" not in str(event.detail)
    assert resident_by_id_number(id_number=NEW_ID) == resident


def test_wrong_check_character_is_a_field_error(world):
    err = _reject(id_number=_wrong_check(NEW_ID))
    assert err.code == "invalid_resident" and set(err.fields) == {"id_number"}
    assert err.fields["id_number"].startswith("身份证号码校验位错误")
    assert "check character" in err.fields["id_number"] and err.message.startswith("信息有误")


def test_impossible_birth_date_is_a_field_error(world):
    first17 = "33021219900230123"  # 30 February
    err = _reject(id_number=first17 + id_check_character(first17))
    assert "1990-02-30" in err.fields["id_number"] and "不存在" in err.fields["id_number"]


def test_future_birth_date_is_a_field_error(world):
    first17 = "33021220990101123"
    err = _reject(id_number=first17 + id_check_character(first17))
    assert "晚于今天" in err.fields["id_number"]


def test_wrong_length_is_a_field_error(world):
    assert "18 位" in _reject(id_number="3302121990").fields["id_number"]


@pytest.mark.parametrize("phone", ["12345", "1380000000x", "10000000000"])
def test_malformed_phone_is_a_field_error(world, phone):
    err = _reject(phone=phone)
    assert set(err.fields) == {"phone"} and err.fields["phone"].startswith("应为 11 位手机号码")


def test_all_problems_are_reported_at_once(world):
    err = _reject(id_number=_wrong_check(NEW_ID), name="", phone="1", district="339999",
                  arrived_on=dt.date(2999, 1, 1))
    assert set(err.fields) == {"id_number", "name", "phone", "district", "arrived_on"}


def test_duplicate_id_number_even_in_legacy_form(world):
    assert "已登记" in _reject(id_number=ADULT_YZ_ID).fields["id_number"]
    legacy15 = ADULT_YZ_ID[:6] + ADULT_YZ_ID[8:17]  # the same person's old 15-digit number
    assert "已登记" in _reject(id_number=legacy15).fields["id_number"]


def test_duplicate_phone_and_street_outside_district(world):
    assert "phone" in _reject(phone="13800000001").fields
    assert "street" in _reject(street="330203001").fields


def test_update_phone(world):
    resident_update_phone(resident=world.child_yz, phone="13600000003")
    assert Resident.objects.get(pk=world.child_yz.pk).phone == "13600000003"
    with pytest.raises(DomainError) as caught:
        resident_update_phone(resident=world.child_yz, phone="13800000001")
    assert "phone" in caught.value.fields
    assert AuditEvent.objects.filter(action="resident.update_phone").count() == 1


def test_id_and_phone_are_encrypted_at_rest(world):
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, id_hash FROM people_resident WHERE id = %s",
                    [world.adult_yz.pk])
        raw_id, raw_phone, id_hash = cur.fetchone()
    assert ADULT_YZ_ID not in raw_id and ADULT_YZ_ID[6:14] not in raw_id
    assert "13800000001" not in raw_phone and ADULT_YZ_ID not in id_hash
    assert raw_id.startswith(crypto.current_key_id() + "$")
    assert crypto.decrypt(raw_id) == ADULT_YZ_ID and crypto.decrypt(raw_phone) == "13800000001"


def test_key_rotation_old_values_still_decrypt(world):
    k1, k2 = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2))
    with override_settings(XJM_DATA_KEYS=f"k1:{k1}", XJM_DATA_KEY_ID=None):
        old = resident_create(id_number=NEW_ID, name="王芳", district="330212")
    with override_settings(XJM_DATA_KEYS=f"k1:{k1},k2:{k2}", XJM_DATA_KEY_ID="k2"):
        assert Resident.objects.get(pk=old.pk).id_number == NEW_ID
        new = resident_create(id_number=id_number("44030419920202456"), name="陈晨",
                              district="330212")
        with connection.cursor() as cur:
            cur.execute("SELECT id, id_number FROM people_resident WHERE id IN (%s, %s)",
                        [old.pk, new.pk])
            raw = dict(cur.fetchall())
        assert crypto.key_id_of(raw[old.pk]) == "k1" and crypto.key_id_of(raw[new.pk]) == "k2"
        assert Resident.objects.get(pk=new.pk).id_number.startswith("440304")
    # Without k2 the new value cannot be read: rotation really used the new key.
    with override_settings(XJM_DATA_KEYS=f"k1:{k1}", XJM_DATA_KEY_ID=None), \
            pytest.raises(ImproperlyConfigured):
        Resident.objects.get(pk=new.pk)


def test_search_matches_id_numbers_exactly_through_the_hash(world):
    everyone = Resident.objects.all()
    assert list(resident_search(queryset=everyone, q=ADULT_YZ_ID)) == [world.adult_yz]
    assert list(resident_search(queryset=everyone, q=ADULT_YZ_ID.lower())) == [world.adult_yz]
    assert not resident_search(queryset=everyone, q=ADULT_YZ_ID[:10]).exists()
    assert not resident_search(queryset=everyone, q=_wrong_check(ADULT_YZ_ID)).exists()
    assert set(resident_search(queryset=everyone, q="张")) == {world.adult_yz, world.child_yz}
    assert list(resident_search(queryset=everyone, q="13900000002")) == [world.adult_hs]
    # The scope passed in is respected.
    only_hs = Resident.objects.filter(district_id="330203")
    assert not resident_search(queryset=only_hs, q=ADULT_YZ_ID).exists()


def test_guardianship_rules_and_selectors(world):
    assert list(children_of(resident=world.adult_yz)) == [world.child_yz]
    assert list(guardians_of(resident=world.child_yz)) == [world.adult_yz]
    links = Guardianship.objects.count()
    for kwargs, field in (
        ({"guardian": world.adult_hs, "child": world.adult_yz}, "child"),  # not a minor
        ({"guardian": world.child_yz, "child": world.child_yz}, "child"),
        ({"guardian": world.adult_yz, "child": world.child_yz}, "child"),  # exists
    ):
        with pytest.raises(DomainError) as caught:
            resident_link_guardian(since=dt.date(2020, 1, 1), **kwargs)
        assert field in caught.value.fields
    assert Guardianship.objects.count() == links
    resident_link_guardian(guardian=world.adult_hs, child=world.child_yz,
                           since=dt.date(2020, 1, 1))
    assert AuditEvent.objects.filter(action="resident.link_guardian").count() == 2


def test_marriage_is_an_ordered_pair_and_exclusive(world):
    # (the world's 张伟明 and 王丽 are married since 2015-05-01)
    groom = resident_create(id_number=NEW_ID, name="王芳", district="330203")
    later, earlier = sorted((groom, world.adult_hs), key=lambda r: -r.pk)
    marriage = resident_link_spouse(a=later, b=earlier, since=dt.date(2015, 10, 1))
    assert (marriage.spouse_a_id, marriage.spouse_b_id) == (earlier.pk, later.pk)
    assert spouse_of(resident=groom) == world.adult_hs
    assert spouse_of(resident=world.adult_hs, on=dt.date(2015, 9, 30)) is None
    third = resident_create(id_number=id_number("11010519800101003"), name="赵敏",
                            district="330212")
    with pytest.raises(DomainError) as caught:
        resident_link_spouse(a=third, b=world.adult_yz, since=dt.date(2020, 1, 1))
    assert "b" in caught.value.fields and Marriage.objects.count() == 2


def test_employer_credit_code_is_verified(world):
    employer = employer_create(uscc="91350100m000100y43", name="宁波某某有限公司",
                               district="330212")
    assert employer.uscc == "91350100M000100Y43"
    for bad, needle in (("91350100M000100Y44", "校验位"), ("9135", "18 位"),
                        ("91350100M000100Y43", "已登记")):
        with pytest.raises(DomainError) as caught:
            employer_create(uscc=bad, name="X", district="330212")
        assert needle in caught.value.fields["uscc"]
    assert Employer.objects.count() == 1
