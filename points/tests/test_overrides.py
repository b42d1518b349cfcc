"""Overrides (domain.md §9.1, type record_override) in both scoring paths: a record is
disregarded at D — as if absent — while an override of it is in force at D; the
explanation never cites it; who is scored, the rent figure and the columnar loader agree.
(The day-by-day stories are the scenario files override_*.yaml.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from points.evaluate import evaluate_person, rent_subsidy_figure, scored_people
from points.feeds.parse import parse_row
from points.feeds.record import Record
from points.feeds.writers import write_jsonl
from points.inputs import RecordIndex
from points.population import frames_from_records, prepare_inputs, render, score_population
from points.population.load import load_checked
from points.population.overrides import disregarded, without_disregarded
from points.population.prepare import unused_columns
from points.rules import load_profile

PERSON = "360426199001010154"
RULES = load_profile("ningbo-2021")
BEFORE, DURING, AFTER = dt.date(2026, 5, 31), dt.date(2026, 7, 1), dt.date(2026, 9, 1)


def rec(**raw: Any) -> Record:
    raw.setdefault("id_number", PERSON)
    result = parse_row({k: v for k, v in raw.items() if v is not None}, row=1,
                       today=dt.date(2100, 1, 1))
    assert isinstance(result, Record), result
    return result


def override(target: tuple[str, str], record_id: str = "O-1", *, start: str = "2026-06-01",
             until: str | None = "2026-08-31", **extra: Any) -> Record:
    return rec(source="XJM", type="record_override", record_id=record_id,
               target_source=target[0], target_record_id=target[1], effect="disregard",
               until=until, case_no="C-1", **{"from": start}, **extra)


REGISTRATION = rec(source="PSB", type="residence_registration", record_id="R-1",
                   district="330212", arrived_on="2019-01-01", registered_on="2019-01-05")
PERMIT = rec(source="PSB", type="residence_permit", record_id="P-1", permit_no="P1",
             district="330212", issued_on="2020-03-09", count_start="2020-03-09")
# a second record with the same record_id under another source: not the one overridden
SAME_ID = rec(source="EDU", type="diploma", record_id="P-1", level="bachelor",
              issued_on="2012-07-01")
LEASE = rec(source="HOUSING", type="lease", record_id="L-1", district="330212",
            complex_id="C1", monthly_rent="2000", start="2024-01-01")
RENT_2025 = rec(source="HOUSING", type="complex_rent", record_id="CR-25", id_number=None,
                complex_id="C1", district="330212", year=2025, average_rent="3000")
RENT_2026 = rec(source="HOUSING", type="complex_rent", record_id="CR-26", id_number=None,
                complex_id="C1", district="330212", year=2026, average_rent="3500")
BASE = [REGISTRATION, PERMIT, SAME_ID, LEASE, RENT_2025, RENT_2026]


def test_the_explanation_does_not_cite_a_disregarded_record() -> None:
    index = RecordIndex([*BASE, override(("PSB", "P-1"))])
    for day, points, refs in ((BEFORE, "20.00", ("PSB:P-1",)), (DURING, "0.00", ()),
                              (AFTER, "20.00", ("PSB:P-1",))):
        item = evaluate_person(index, PERSON, day, "330212", RULES).item("permit")
        assert item is not None
        assert (item.to_dict()["points"], item.record_ids) == (points, refs), day
    # only the key (source, record_id) is set aside: EDU's P-1 still counts
    education = evaluate_person(index, PERSON, DURING, "330212", RULES).item("education")
    assert education is not None and education.record_ids == ("EDU:P-1",)
    assert index.disregarded(DURING) == {("PSB", "P-1")}
    assert index.disregarded(BEFORE) == frozenset()
    # without D the index gives what was received, overrides not applied
    assert index.of(PERSON, "residence_permit") == [PERMIT]
    assert index.of(PERSON, "residence_permit", DURING) == []


def test_a_retracted_override_and_one_of_another_effect_have_no_effect() -> None:
    o = override(("PSB", "P-1"))
    retracted = Record(o.source, o.type, o.record_id, 2, "retract", o.id_number, o.fields)
    index = RecordIndex([*BASE, o, retracted])
    assert index.disregarded(DURING) == frozenset()
    other = Record(o.source, o.type, "O-2", 1, "upsert", o.id_number,
                   {**o.fields, "effect": "annotate"})  # not a code yet: built directly
    assert RecordIndex([*BASE, other]).disregarded(DURING) == frozenset()
    assert disregarded(frames_from_records([*BASE, other]), DURING).height == 0


def test_a_disregarded_registration_is_not_scored_in_either_path() -> None:
    records = [*BASE, override(("PSB", "R-1"), until=None)]
    index = RecordIndex(records)
    assert scored_people(index, BEFORE) == [PERSON]
    assert scored_people(index, DURING) == []
    frames = frames_from_records(records)
    assert score_population(frames, BEFORE, RULES)["id_number"].to_list() == [PERSON]
    assert score_population(frames, DURING, RULES).height == 0


def test_the_rent_figure_falls_back_to_an_earlier_year_in_both_paths() -> None:
    records = [*BASE, override(("HOUSING", "CR-26"), start="2026-01-01", until=None)]
    index = RecordIndex(records)
    figure = rent_subsidy_figure(index, PERSON, DURING, RULES)
    assert (str(figure.amount), figure.rent_id) == ("1200.00", "HOUSING:CR-25")
    row = render(score_population(frames_from_records(records), DURING, RULES, "330212"))
    assert row["rent_subsidy_330212"].to_list() == ["1200.00"]
    plain = rent_subsidy_figure(RecordIndex(BASE), PERSON, DURING, RULES)
    assert (str(plain.amount), plain.rent_id) == ("1400.00", "HOUSING:CR-26")


def test_no_override_in_force_leaves_the_frames_as_they_are() -> None:
    frames = frames_from_records([*BASE, override(("PSB", "P-1"))])
    assert without_disregarded(frames, BEFORE) is frames
    during = without_disregarded(frames, DURING)
    assert during["residence_permit"].collect().height == 0
    assert during["diploma"].collect()["record_id"].to_list() == ["P-1"]
    assert during["record_override"] is frames["record_override"]


def test_the_checked_loader_keeps_the_keys_the_overrides_need(tmp_path: Path) -> None:
    """`xjm points score` loads with the columns no measure reads dropped: while there are
    overrides the record keys stay, so the disregarded records can be left out."""
    by_type: dict[str, list[Record]] = {}
    for r in [*BASE, override(("PSB", "P-1"))]:
        by_type.setdefault(r.type, []).append(r)
    for name, records in by_type.items():
        write_jsonl(records, tmp_path / f"{name}.jsonl")
    drop = unused_columns(RULES, DURING)
    assert "record_id" in drop["residence_permit"]  # dropped when there is no override
    loaded = load_checked(tmp_path, drop=drop)
    assert {"source", "record_id"} <= set(loaded.frames["residence_permit"].collect_schema())
    inputs = prepare_inputs(loaded.frames, DURING, RULES, rent_subsidy=False)
    permit = next(c for c in inputs.columns if c.startswith("q:permit:"))
    assert inputs[permit].to_list() == [None]  # no valid permit at D
    (tmp_path / "record_override.jsonl").unlink()
    plain = load_checked(tmp_path, drop=drop)
    assert "record_id" not in plain.frames["residence_permit"].collect_schema()
    frame = plain.frames["residence_permit"].collect()
    assert isinstance(frame, pl.DataFrame) and frame.height == 1
