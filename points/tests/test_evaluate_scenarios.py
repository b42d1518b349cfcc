"""Scenario files (points/tests/scenarios/*.yaml) against the one-person evaluator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from points.evaluate import PersonScore, Total, evaluate_person, highest_guardian_score
from points.inputs import RecordIndex
from points.rules import load_profile
from points.tests.scenarios.loader import Case, Scenario, load_scenarios

CASES = [(s, c) for s in load_scenarios() for c in s.cases]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _category(score: PersonScore, key: str) -> Total:
    category = score.category(key)
    assert category is not None, key
    return category


def check_case(scenario: Scenario, case: Case) -> None:
    rules = load_profile(scenario.profile)
    index = RecordIndex(scenario.records)
    score = evaluate_person(index, case.person, case.as_of, case.district, rules)
    where = f"{scenario.path.name} / {case.name}"
    for key, want in case.expect.items():
        if key == "score":
            assert _money(score.score) == want, where
        elif key == "common":
            assert _money(score.common) == want, where
        elif key == "is_minor":
            assert score.is_minor is want, where
        elif key == "frozen":
            assert score.frozen is want, where
        elif key == "frozen_until":
            want_date = want if want is None or isinstance(want, dt.date) else \
                dt.date.fromisoformat(want)
            assert score.frozen_until == want_date, where
        elif key == "categories":
            got = {k: _money(_category(score, k).capped) for k in want}
            assert got == want, where
        elif key == "items":
            got = {k: _money(i.points) if (i := score.item(k)) else None for k in want}
            assert got == want, where
        elif key == "guardian_score":
            best = highest_guardian_score(index, case.person, case.as_of, case.district, rules)
            assert best is not None and _money(best.score) == want, where
        else:
            raise AssertionError(f"{where}: unknown expectation {key!r}")


@pytest.mark.parametrize(("scenario", "case"), CASES,
                         ids=[f"{s.path.stem}:{c.name}" for s, c in CASES])
def test_scenario(scenario: Scenario, case: Case) -> None:
    check_case(scenario, case)


def test_every_scenario_has_cases() -> None:
    assert len(CASES) >= 20
    assert {s.path.stem for s, _ in CASES} >= {
        "worked_example", "month_clamp", "window_edges", "freeze_ends", "suspension_lifted",
        "spells_join", "minors", "spouse_home", "insured_tie", "after_d_ignored",
        "override_disregards", "override_links"}
