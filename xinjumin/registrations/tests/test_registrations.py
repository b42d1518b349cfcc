"""Residence registration through the services: a declaration (on time, late), the record
it becomes and the score that follows, a report confirmed or rejected, lapsing, an address
change, deregistration ending the permit, the certificate check, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from xinjumin.audit.models import AuditEvent
from xinjumin.cases.workdays import OFFICE_ZONE
from xinjumin.core.errors import DomainError
from xinjumin.geo.models import Building, Complex, Street, Unit
from xinjumin.people.models import Resident
from xinjumin.permits.selectors import permit_best
from xinjumin.permits.services import permit_apply
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_ingest
from xinjumin.registrations.models import Registration
from xinjumin.registrations.selectors import registration_verify
from xinjumin.registrations.services import (
    registration_change,
    registration_confirm,
    registration_declare,
    registration_deregister,
    registration_reject,
    registration_report,
    registrations_lapse,
)

pytestmark = pytest.mark.django_db
D = dt.date
EMPLOYER = "91350100M000100Y43"  # domain.md §4's example
NEWCOMER_ID = "360426199101010071"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=OFFICE_ZONE)


@pytest.fixture
def homes(db):
    """Two homes: 下应新村 5-201 (鄞州) and 月湖花园 3-1102 (海曙)."""
    xy = Complex.objects.get(code="YZ-XY-0001")
    yz_unit = Unit.objects.create(building=Building.objects.create(complex=xy, number="5"),
                                  number="201")
    yh = Complex.objects.create(code="HS-YH-0001", street=Street.objects.get(pk="330203004"),
                                name="月湖花园")
    hs_unit = Unit.objects.create(building=Building.objects.create(complex=yh, number="3"),
                                  number="1102")
    return yz_unit, hs_unit


def newcomer(world) -> Resident:
    """李明 (no registration yet): a resident known to the platform, with an account."""
    from xinjumin.accounts.services import resident_account_for
    from xinjumin.people.services import resident_create

    person = resident_create(id_number=NEWCOMER_ID, name="李明", district="330212",
                             actor="test")
    world.users["resident_new"] = resident_account_for(person)
    return person


def test_a_declaration_is_in_force_at_once_becomes_a_record_and_the_resident_follows(world,
                                                                                     homes):
    person = newcomer(world)
    reg = registration_declare(resident=person, by=world.users["resident_new"],
                               client_key="declare-0001", arrived_on=D(2026, 12, 1),
                               unit=homes[0].pk, employer_uscc=EMPLOYER,
                               now=at("2026-12-04T10:00"))
    again = registration_declare(resident=person, by=world.users["resident_new"],
                                 client_key="declare-0001", arrived_on=D(2026, 12, 1),
                                 unit=homes[0].pk, now=at("2026-12-04T10:01"))
    assert again.pk == reg.pk and Registration.objects.count() == 1
    assert (reg.status, reg.channel, reg.late, reg.registered_on) == (
        "active", "self", False, D(2026, 12, 4))  # 3 days after arrival: on time
    assert reg.number.startswith("R20261204-") and len(reg.verification_code) == 8
    record = SourceRecord.objects.get(source="PSB", record_id=reg.record_id)
    assert record.fields == {"district": "330212", "street": "330212001",
                             "complex_id": "YZ-XY-0001", "unit": "5-201",
                             "arrived_on": "2026-12-01", "registered_on": "2026-12-04"}
    person.refresh_from_db()
    assert (person.unit_id, person.registered_on) == (homes[0].pk, D(2026, 12, 4))
    assert AuditEvent.objects.filter(action="registration.declared").count() == 1
    with pytest.raises(DomainError) as twice:
        registration_declare(resident=person, by=world.users["resident_new"],
                             client_key="declare-0002", arrived_on=D(2026, 12, 1),
                             unit=homes[0].pk, now=at("2026-12-04T10:02"))
    assert "请办理变更" in twice.value.fields["unit"]


def test_a_late_declaration_is_accepted_and_marked_late(world, homes):
    person = newcomer(world)
    reg = registration_declare(resident=person, by=world.users["resident_new"],
                               client_key="declare-0001", arrived_on=D(2026, 12, 1),
                               unit=homes[0].pk, now=at("2026-12-05T10:00"))
    assert (reg.status, reg.late) == ("active", True)


def test_bad_input_names_each_field_and_writes_nothing(world, homes):
    person = newcomer(world)
    with pytest.raises(DomainError) as bad:
        registration_declare(resident=person, by=world.users["resident_new"],
                             client_key="declare-0001", arrived_on=D(2026, 12, 9),
                             unit=999_999, employer_uscc="91350100M000100Y44",
                             now=at("2026-12-04T10:00"))
    assert set(bad.value.fields) == {"arrived_on", "unit", "employer_uscc"}
    assert "不能晚于今天" in bad.value.fields["arrived_on"]
    with pytest.raises(DomainError) as no_document:  # a clerk must record the document
        registration_declare(resident=person, by=world.users["window_yz"],
                             client_key="declare-0001", arrived_on=D(2026, 12, 1),
                             unit=homes[0].pk, now=at("2026-12-04T10:00"))
    assert set(no_document.value.fields) == {"document"}
    with pytest.raises(DomainError) as elsewhere:  # 海曙's clerk, a home in 鄞州
        registration_declare(resident=person, by=world.users["window_hs"],
                             client_key="declare-0001", arrived_on=D(2026, 12, 1),
                             unit=homes[0].pk, document="id_card", now=at("2026-12-04T10:00"))
    assert elsewhere.value.status == 403
    assert not Registration.objects.exists()
    assert not SourceRecord.objects.filter(type="residence_registration").exists()


def test_a_clerk_registers_a_resident_at_the_counter_as_assisted(world, homes):
    person = newcomer(world)
    reg = registration_declare(resident=person, by=world.users["window_yz"],
                               client_key="counter-0001", arrived_on=D(2026, 12, 1),
                               unit=homes[0].pk, document="id_card",
                               now=at("2026-12-04T10:00"))
    assert (reg.channel, reg.assisted, reg.document_checked) == ("counter", True, "id_card")


def test_a_report_is_pending_until_the_resident_confirms_it(world, homes):
    reg = registration_report(reporter_kind="employer", reporter_name="宁波甬兴电子有限公司",
                              reporter_uscc=EMPLOYER, id_number=NEWCOMER_ID, name="李明",
                              arrived_on=D(2026, 12, 1), unit=homes[0].pk,
                              employer_uscc=EMPLOYER, client_key="hr-0001",
                              now=at("2026-12-04T10:00"))
    # 12-01 (Tue) + 3 working days = 12-04: on time; the person is registered as a resident
    assert (reg.status, reg.report_late, reg.channel) == ("pending", False, "report")
    person = reg.resident
    assert person.name == "李明" and person.registered_on is None
    assert not SourceRecord.objects.filter(type="residence_registration").exists()
    again = registration_report(reporter_kind="employer", reporter_name="宁波甬兴电子有限公司",
                                reporter_uscc=EMPLOYER, id_number=NEWCOMER_ID, name="李明",
                                arrived_on=D(2026, 12, 1), unit=homes[0].pk,
                                client_key="hr-0001", now=at("2026-12-04T10:05"))
    assert again.pk == reg.pk
    with pytest.raises(DomainError) as wrong_name:
        registration_report(reporter_kind="landlord", reporter_name="王房东", reporter_uscc="",
                            id_number=NEWCOMER_ID, name="李敏", arrived_on=D(2026, 12, 1),
                            unit=homes[0].pk, client_key="ll-0001", now=at("2026-12-04T10:00"))
    assert set(wrong_name.value.fields) == {"name"}
    from xinjumin.accounts.services import resident_account_for

    account = resident_account_for(person)
    confirmed = registration_confirm(registration=reg, by=account, now=at("2026-12-06T09:00"))
    assert (confirmed.status, confirmed.registered_on) == ("active", D(2026, 12, 6))
    assert SourceRecord.objects.filter(record_id=reg.record_id).exists()
    with pytest.raises(DomainError) as twice:
        registration_reject(registration=reg, by=account)
    assert twice.value.status == 409


def test_a_rejected_report_never_counts_and_an_unanswered_one_lapses(world, homes):
    first = registration_report(reporter_kind="landlord", reporter_name="王房东",
                                reporter_uscc="", id_number=NEWCOMER_ID, name="李明",
                                arrived_on=D(2026, 11, 2), unit=homes[0].pk,
                                client_key="ll-0001", now=at("2026-11-10T10:00"))
    assert first.report_late  # 11-02 + 3 working days = 11-05
    second = registration_report(reporter_kind="agency", reporter_name="链家",
                                 reporter_uscc=EMPLOYER, id_number=NEWCOMER_ID, name="李明",
                                 arrived_on=D(2026, 11, 2), unit=homes[1].pk,
                                 client_key="ag-0001", now=at("2026-11-20T10:00"))
    from xinjumin.accounts.services import resident_account_for

    account = resident_account_for(first.resident)
    assert registration_reject(registration=second, by=account).status == "rejected"
    assert registrations_lapse(day=D(2026, 12, 9)) == 0
    assert registrations_lapse(day=D(2026, 12, 10)) == 1
    first.refresh_from_db()
    assert first.status == "lapsed"
    assert not SourceRecord.objects.filter(type="residence_registration").exists()


def test_an_address_change_continues_the_registration_and_moves_the_resident(world, homes):
    person = newcomer(world)
    reg = registration_declare(resident=person, by=world.users["resident_new"],
                               client_key="declare-0001", arrived_on=D(2026, 6, 1),
                               unit=homes[0].pk, now=at("2026-06-02T10:00"))
    change = registration_change(resident=person, by=world.users["resident_new"],
                                 client_key="move-000001", moved_on=D(2026, 11, 20),
                                 unit=homes[1].pk, now=at("2026-12-04T10:00"))
    assert change.late  # 14 days after the move
    reg.refresh_from_db()
    assert (reg.district_id, reg.registered_on, reg.record_version) == (
        "330203", D(2026, 6, 2), 2)
    record = SourceRecord.objects.get(record_id=reg.record_id)
    assert (record.version, record.fields["district"], record.fields["registered_on"]) == (
        2, "330203", "2026-06-02")
    person.refresh_from_db()
    assert person.district_id == "330203"
    with pytest.raises(DomainError) as same:
        registration_change(resident=person, by=world.users["resident_new"],
                            client_key="move-000002", moved_on=D(2026, 12, 1),
                            unit=homes[1].pk, now=at("2026-12-04T10:00"))
    assert set(same.value.fields) == {"unit"}


def test_deregistration_ends_the_registration_and_the_permit(world, homes):
    person = newcomer(world)
    registration_declare(resident=person, by=world.users["resident_new"],
                         client_key="declare-0001", arrived_on=D(2026, 1, 2),
                         unit=homes[0].pk, now=at("2026-01-05T10:00"))
    records_ingest(rows=[{"source": "HRSS", "type": "employment", "record_id": "EMP-NEW-1",
                          "id_number": NEWCOMER_ID, "kind": "contract",
                          "district": "330212", "start": "2026-01-10"}])
    permit_apply(resident=person, by=world.users["resident_new"], client_key="apply-0001",
                 now=at("2026-07-06T10:00"))
    assert permit_best(NEWCOMER_ID, D(2026, 7, 6)).status == "valid"
    reg = registration_deregister(resident=person, by=world.users["resident_new"],
                                  ended_on=D(2026, 12, 3), reason="moved_away",
                                  now=at("2026-12-04T10:00"))
    assert (reg.status, reg.ended_on) == ("ended", D(2026, 12, 3))
    assert SourceRecord.objects.get(record_id=reg.record_id).fields["ended_on"] == "2026-12-03"
    assert permit_best(NEWCOMER_ID, D(2026, 12, 3)).status == "valid"
    ended = permit_best(NEWCOMER_ID, D(2026, 12, 4))
    assert (ended.status, ended.dates.ended_on) == ("ended", D(2026, 12, 3))


def test_the_certificate_check_shows_masked_data_and_whether_it_is_in_force(world, homes):
    person = newcomer(world)
    reg = registration_declare(resident=person, by=world.users["resident_new"],
                               client_key="declare-0001", arrived_on=D(2026, 12, 1),
                               unit=homes[0].pk, now=at("2026-12-04T10:00"))
    shown = registration_verify(reg.number, reg.verification_code.lower(), D(2026, 12, 4))
    assert shown is not None and shown.in_force
    assert (shown.name, shown.id_number) == ("李*", "3604**********0071")
    assert registration_verify(reg.number, "WRONG123", D(2026, 12, 4)) is None
    assert registration_verify("R20990101-00000000", reg.verification_code,
                               D(2026, 12, 4)) is None
    registration_deregister(resident=person, by=world.users["resident_new"],
                            ended_on=D(2026, 12, 4), reason="moved_away",
                            now=at("2026-12-04T12:00"))
    assert registration_verify(reg.number, reg.verification_code, D(2026, 12, 4)).in_force
    assert not registration_verify(reg.number, reg.verification_code, D(2026, 12, 5)).in_force
