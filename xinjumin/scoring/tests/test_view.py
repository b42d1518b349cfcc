"""The resident's view of their score: items, rules in words, records, hints, masking,
freezes — for real sample residents — through the one door (accounts.access)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from points.tests.samples import AS_OF, expected_rows
from xinjumin.accounts.access import access_resident
from xinjumin.audit.models import AuditEvent
from xinjumin.core.errors import NotFound
from xinjumin.labels import Label
from xinjumin.scoring.selectors import ItemView, ScoreView, score_view
from xinjumin.scoring.services import score_explain

ROWS = {r["id_number"]: r for r in expected_rows()}
NO_DIPLOMA = next(i for i, r in ROWS.items() if r["is_minor"] == "false"
                  and r["education"] == "0.00")
SPOUSE_HOME = "500236199712304659"  # housing 10 from the spouse's home
FROZEN = next(i for i, r in ROWS.items() if r["frozen"] == "true")
SHORT_INSURANCE = next(i for i, r in ROWS.items() if r["is_minor"] == "false"
                       and Decimal("0") < Decimal(r["social_insurance"]) < Decimal("25"))
pytestmark = [pytest.mark.usefixtures("samples"), pytest.mark.django_db]


def resident_score_view(*, user, resident, district=None,  # type: ignore[no-untyped-def]
                        as_of=None) -> ScoreView:
    """What a score page does: the one door, the service that explains, the selector."""
    person = access_resident(user=user, resident_id=resident.pk, purpose="score")
    explained = score_explain(id_number=person.id_number, as_of=as_of)
    return score_view(explained=explained, district=district, resident_pk=person.pk)


def _items(view: ScoreView) -> dict[str, ItemView]:
    items = {i.key: i for c in view.categories for i in c.items}
    assert view.district_layer is not None
    items.update({i.key: i for i in view.district_layer.items})
    return items


def test_resident_sees_score_items_and_what_would_raise_them(make_resident) -> None:
    resident, user = make_resident(NO_DIPLOMA)
    row = ROWS[NO_DIPLOMA]
    view = resident_score_view(user=user, resident=resident, as_of=AS_OF)
    assert view.common == row["common"]
    assert view.score == row[f"score_{view.district}"]
    assert view.rule_set_profile == "ningbo-2021" and len(view.rule_set_hash) == 64
    items = _items(view)
    education = items["education"]
    assert (education.points, education.max, education.below_max) == ("0.00", "10.00", True)
    assert education.name == Label("学历", "Education")
    assert "本科" in education.rule.zh and "bachelor" in education.rule.en.lower()
    assert Label("未查询到学历记录: 可提交学历证明材料",
                 "no diploma on record: submit evidence") in education.hints
    age = items["age"]
    assert age.points == row["age"] and age.records == ()
    assert "min(" not in age.rule.zh and "max(" not in age.rule.zh  # plain words
    permit = items["permit"]
    assert permit.points == row["permit"]
    record = permit.records[0]
    assert record.department.zh == "公安局"
    assert record.type_name.zh == "居住证" and record.concerns == "self"
    assert record.date is not None and len(record.date) == 10
    assert record.summary.zh and record.summary.en  # the record's own values


def test_social_insurance_hint_counts_the_missing_months(make_resident) -> None:
    resident, user = make_resident(SHORT_INSURANCE)
    view = resident_score_view(user=user, resident=resident, as_of=AS_OF)
    item = _items(view)["social_insurance"]
    months = math.ceil((Decimal(25) - Decimal(item.points)) / Decimal("0.5"))
    assert item.points == ROWS[SHORT_INSURANCE]["social_insurance"]
    assert Label(f"再缴纳 {months} 个月社保可得满分",
                 f"{months} more months of contributions give full points") in item.hints
    assert all(r.department.zh == "人力资源和社会保障局" for r in item.records)


def test_a_spouses_home_is_shown_masked(make_resident) -> None:
    resident, user = make_resident(SPOUSE_HOME)
    housing = _items(resident_score_view(user=user, resident=resident, as_of=AS_OF))["housing"]
    assert housing.points == ROWS[SPOUSE_HOME]["housing"] == "10.00"
    home = next(r for r in housing.records if r.type == "home_ownership")
    assert home.concerns == "spouse"
    assert home.person == "3413**********2762"
    assert "complex_id" not in home.fields and "unit" not in home.fields
    assert home.department.zh == "住房和城乡建设局"
    assert housing.hints == ()  # at its maximum


def test_frozen_score_says_why_and_until_when(make_resident) -> None:
    resident, user = make_resident(FROZEN)
    view = resident_score_view(user=user, resident=resident, as_of=AS_OF)
    assert view.frozen is True
    assert view.frozen_until == ROWS[FROZEN]["frozen_until"]
    freeze = view.freezes[0]
    assert freeze.until == ROWS[FROZEN]["frozen_until"]
    assert ROWS[FROZEN]["frozen_until"] in freeze.reason.zh
    assert ROWS[FROZEN]["frozen_until"] in freeze.reason.en
    assert freeze.name.zh in freeze.reason.zh


def test_view_for_another_district_shows_that_layer(make_resident) -> None:
    resident, user = make_resident(NO_DIPLOMA)
    view = resident_score_view(user=user, resident=resident, district="330226",
                               as_of=AS_OF)
    assert view.district == "330226"
    assert view.district_name is not None and view.district_name.zh == "宁海县"
    assert view.district_name.en.startswith("Ninghai")
    assert view.score == ROWS[NO_DIPLOMA]["score_330226"]
    assert view.district_layer is not None
    assert "patrol" in {i.key for i in view.district_layer.items}


def test_other_people_cannot_see_the_score(make_resident, world) -> None:
    resident, _ = make_resident(NO_DIPLOMA, district="330212")
    _, other = make_resident(SPOUSE_HOME, district="330212", name="李四")
    with pytest.raises(NotFound):
        resident_score_view(user=other, resident=resident, as_of=AS_OF)
    outsider = world.users["window_hs"]  # 海曙
    with pytest.raises(NotFound):
        resident_score_view(user=outsider, resident=resident, as_of=AS_OF)
    staff = world.users["window_yz"]
    view = resident_score_view(user=staff, resident=resident, as_of=AS_OF)
    assert view.common == ROWS[NO_DIPLOMA]["common"]
    assert AuditEvent.objects.filter(action="resident.read", actor=staff.username,
                                     object_id=str(resident.pk)).exists()


def test_a_first_read_shows_what_a_later_read_shows(make_resident) -> None:
    """The first read of the day computes the score and takes the cited records from
    those it was computed from; a later read finds the score stored and reads them from
    the database: the two views are the same, for every sample resident (spouses' and
    children's records, masking, the concerns of each record)."""
    from xinjumin.scoring.models import StoredScore

    seen_spouse_records = 0
    for id_number, row in ROWS.items():
        if row["is_minor"] == "true":
            continue
        resident, user = make_resident(id_number)
        StoredScore.objects.filter(subject_hash=resident.id_hash).delete()
        first = resident_score_view(user=user, resident=resident, as_of=AS_OF)
        later = resident_score_view(user=user, resident=resident, as_of=AS_OF)
        assert first == later, id_number
        seen_spouse_records += sum(r.concerns == "spouse" for i in _items(first).values()
                                   for r in i.records)
    assert seen_spouse_records  # the spouses were found alike, not only own records
