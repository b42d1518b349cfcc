"""Every row and column of samples/feeds/expected_scores.csv, from the JSONL and CSV feeds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from points.evaluate import (
    ItemScore,
    PersonScore,
    Total,
    evaluate_person,
    highest_guardian_score,
    home_district,
    rent_subsidy_figure,
    scored_people,
)
from points.feeds.readers import read_paths
from points.feeds.record import Record
from points.inputs import RecordIndex
from points.rules import load_profile
from points.rules.model import DISTRICT_CODES
from points.tests.samples import AS_OF, expected_by_id, samples_dir

D = AS_OF


def load_sample_records(fmt: str) -> list[Record]:
    records = []
    for _path, _row, result in read_paths([samples_dir() / fmt], today=D):
        assert isinstance(result, Record), result
        records.append(result)
    return records


@pytest.fixture(scope="module", params=["jsonl", "csv"])
def index(request: pytest.FixtureRequest) -> RecordIndex:
    return RecordIndex(load_sample_records(request.param))


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, str]]:
    return expected_by_id()


def _q(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(Decimal("0.01")))


def _item(score: PersonScore, key: str) -> ItemScore:
    item = score.item(key)
    assert item is not None, key
    return item


def _category(score: PersonScore, key: str) -> Total:
    category = score.category(key)
    assert category is not None, key
    return category


def _flag(value: bool) -> str:
    return "true" if value else "false"


def computed_row(index: RecordIndex, pid: str) -> dict[str, str]:
    """One row in the layout of expected_scores.csv."""
    rules = load_profile("ningbo-2021")
    s = evaluate_person(index, pid, D, "330212", rules)
    row = {"id_number": pid, "is_minor": _flag(s.is_minor), "age_years": str(s.age_years)}
    for key in ("age", "permit", "social_insurance", "education", "skill", "employment",
                "housing", "shortage_post", "job_creation", "invention", "award", "volunteer",
                "blood", "donation", "admin_penalty", "detention", "dishonesty",
                "false_material", "crime"):
        row[key] = "" if s.is_minor else _q(_item(s, key).points)
    for cat in ("base", "bonus", "deductions"):
        row[cat] = "" if s.is_minor else _q(_category(s, cat).capped)
    row["common"] = _q(s.common)
    for d in DISTRICT_CODES:
        row[f"score_{d}"] = _q(evaluate_person(index, pid, D, d, rules).score)
    row["frozen"] = "" if s.is_minor else _flag(s.frozen)
    row["frozen_until"] = s.frozen_until.isoformat() if s.frozen_until else ""
    rent = rent_subsidy_figure(index, pid, D, rules, score=s)
    row["rent_subsidy_330212"] = _q(rent.amount)
    row["rent_subsidy_eligible"] = "" if s.is_minor else _flag(rent.eligible)
    return row


def test_scored_people_are_the_expected_rows(index, expected) -> None:
    assert scored_people(index, D) == sorted(expected)
    assert len(expected) == 71


def test_every_row_and_column(index, expected) -> None:
    mismatches = {}
    for pid, want in expected.items():
        got = computed_row(index, pid)
        assert set(got) == set(want)
        diff = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
        if diff:
            mismatches[pid] = diff
    assert mismatches == {}


def test_score_serialises_to_json(index) -> None:
    rules = load_profile("ningbo-2021")
    s = evaluate_person(index, "341321198505097594", D, "330212", rules)
    data = json.loads(json.dumps(s.to_dict(), ensure_ascii=False))
    assert data["rule_set"] == "ningbo-2021" and len(data["rule_set_hash"]) == 64
    assert data["frozen"] is True and data["frozen_until"] == "2027-07-12"
    crime = next(i for i in data["items"] if i["key"] == "crime")
    assert crime["points"] == "-50.00" and crime["record_ids"] == ["COURT:CC000001"]
    assert {p["name"] for p in crime["params"]} >= {"lapse", "points_each"}
    assert all(p["reference"] for p in crime["params"])


def test_minor_has_no_score_and_uses_guardians(index, expected) -> None:
    rules = load_profile("ningbo-2021")
    minors = [pid for pid, row in expected.items() if row["is_minor"] == "true"]
    assert minors
    for pid in minors:
        s = evaluate_person(index, pid, D, "330212", rules)
        assert s.is_minor and s.score is None and "18" in s.reason
        best = highest_guardian_score(index, pid, D, "330212", rules)
        guardians = [g for g, _ in index.guardians(pid, D)]
        if best is not None:
            assert best.id_number in guardians
            assert best.score == max(
                evaluate_person(index, g, D, "330212", rules).score or Decimal(-999)
                for g in guardians)


def test_home_district_is_latest_registration(index) -> None:
    # RR000001 (330206, ended 2024) then a later registration elsewhere
    assert home_district(index, "34122119971011652X", D) == "330282"
