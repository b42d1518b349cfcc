"""Selectors: what the engine gets for some people is enough to score them exactly as with
every record; the back office sees a resident's records per department, in scope only."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from points.evaluate import evaluate_person, highest_guardian_score, rent_subsidy_figure
from points.feeds import current_records
from points.inputs import RecordIndex
from points.rules import load_profile
from tests.personas import ADULT_HS_ID, ADULT_YZ_ID, CHILD_YZ_ID
from xinjumin.audit.models import AuditEvent
from xinjumin.core.errors import NotFound
from xinjumin.records.selectors import engine_records_for, records_history_for
from xinjumin.records.services import records_import_file

from .conftest import family_records, records_in

AS_OF = dt.date(2026, 12, 1)


@pytest.mark.django_db
def test_engine_records_score_like_all_records(feeds_dir: Path) -> None:
    for path in sorted((feeds_dir / "jsonl").iterdir()):
        records_import_file(path=path)
    everything = RecordIndex(current_records(records_in(feeds_dir / "jsonl")), live=True)
    rules = load_profile("ningbo-2021")
    with (feeds_dir / "expected_scores.csv").open() as fh:
        people = [row["id_number"] for row in csv.DictReader(fh)]
    assert len(people) > 40
    for person in people:
        mine = engine_records_for(id_numbers=[person])
        assert mine and all(r.op == "upsert" for r in mine)
        index = RecordIndex(mine, live=True)
        for district in ("330203", "330212"):
            assert (evaluate_person(index, person, AS_OF, district, rules).to_dict()
                    == evaluate_person(everything, person, AS_OF, district, rules).to_dict())
        guardian = highest_guardian_score(index, person, AS_OF, "330212", rules)
        expected = highest_guardian_score(everything, person, AS_OF, "330212", rules)
        assert (guardian and guardian.to_dict()) == (expected and expected.to_dict())
        assert (rent_subsidy_figure(index, person, AS_OF, rules)
                == rent_subsidy_figure(everything, person, AS_OF, rules))
    # Several people at once: the union.
    both = engine_records_for(id_numbers=people[:2])
    assert {r.key for r in both} == {r.key for p in people[:2]
                                     for r in engine_records_for(id_numbers=[p])}


@pytest.mark.django_db
def test_engine_records_follow_family_links_both_ways() -> None:
    family_records()
    keys = {r.record_id for r in engine_records_for(id_numbers=[CHILD_YZ_ID])}
    # The child's guardian (by the child's side of the link), the guardian's records, and
    # the guardian's spouse by the spouse's side of the marriage; the spouse's lease and
    # its complex's rent, not another complex's.
    assert keys == {"G-1", "D-1", "M-1", "L-1", "CR-9"}
    keys = {r.record_id for r in engine_records_for(id_numbers=[ADULT_HS_ID])}
    assert keys == {"M-1", "L-1", "CR-9", "G-1", "D-1"}
    diploma = next(r for r in engine_records_for(id_numbers=[ADULT_YZ_ID])
                   if r.record_id == "D-1")
    assert (diploma.version, diploma.get("level"), diploma.id_number) == (2, "master",
                                                                          ADULT_YZ_ID)


def test_history_per_department_in_scope_only(world: Any) -> None:
    family_records()
    clerk = world.users["window_yz"]
    before = AuditEvent.objects.filter(action="resident.read").count()
    history = records_history_for(user=clerk, resident=world.adult_yz)
    assert list(history) == ["PSB", "EDU"]
    (diploma,) = history["EDU"]
    assert (diploma.version, diploma.fields["level"], diploma.role) == (2, "master",
                                                                        "subject")
    assert [(v.version, v.fields["level"]) for v in diploma.versions] == [
        (1, "bachelor"), (2, "master")]
    roles = {r.record_id: r.role for r in history["PSB"]}
    assert roles == {"M-1": "spouse", "G-1": "subject"}
    child = next(r for r in history["PSB"] if r.record_id == "G-1")
    assert child.fields["child_id_number"] != CHILD_YZ_ID  # masked
    assert child.fields["child_id_number"].startswith(CHILD_YZ_ID[:4])
    assert AuditEvent.objects.filter(action="resident.read").count() == before + 1
    with pytest.raises(NotFound):  # 海曙 clerk, 鄞州 resident
        records_history_for(user=world.users["window_hs"], resident=world.adult_yz)
    with pytest.raises(NotFound):  # system admin reads no personal data
        records_history_for(user=world.users["system_admin"], resident=world.adult_yz)


@pytest.mark.django_db
def test_subject_id_numbers_as_subject_or_linked() -> None:
    from xinjumin.people.selectors import id_number_hash
    from xinjumin.records.selectors import subject_id_numbers

    family_records()
    hashes = {id_number_hash(i): i for i in (ADULT_YZ_ID, ADULT_HS_ID, CHILD_YZ_ID)}
    assert subject_id_numbers(subject_hashes=[*hashes, "nobody"]) == hashes
