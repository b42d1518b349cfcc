"""The Polars backend reproduces expected_scores.csv exactly (every row, every column)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from points.population import load_current, prepare_inputs, render, score_population
from points.rules import load_profile

AS_OF = dt.date(2026, 12, 1)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_expected_scores_exactly(samples, fmt: str) -> None:
    rules = load_profile("ningbo-2021")
    frames = load_current(samples / fmt)
    scores = render(score_population(prepare_inputs(frames, AS_OF, rules), AS_OF, rules))
    expected = pl.read_csv(samples / "expected_scores.csv", infer_schema=False)
    got = scores.with_columns(pl.all().cast(pl.String).fill_null("")).sort("id_number")
    expected = expected.with_columns(pl.all().fill_null("")).sort("id_number")
    assert got["id_number"].to_list() == expected["id_number"].to_list()
    for column in expected.columns:
        mismatches = [(i, e, g) for i, e, g in zip(expected["id_number"], expected[column],
                                                    got[column], strict=True) if e != g]
        assert not mismatches, f"{fmt} {column}: {mismatches[:5]}"


def test_frames_or_inputs_give_the_same(samples) -> None:
    rules = load_profile("ningbo-2021")
    frames = load_current(samples / "jsonl")
    direct = score_population(frames, AS_OF, rules)
    via = score_population(prepare_inputs(frames, AS_OF, rules), AS_OF, rules)
    assert direct.sort("id_number").equals(via.sort("id_number"))


def test_given_district_scores_everyone_there(samples) -> None:
    rules = load_profile("ningbo-2021")
    scores = score_population(load_current(samples / "jsonl"), AS_OF, rules, "330226")
    adults = scores.filter(~pl.col("is_minor"))
    assert (adults["score"] == adults["score_330226"]).all()
    assert set(scores["district"]) == {"330226"}


def test_inputs_for_another_rule_set_are_refused(samples) -> None:
    frames = load_current(samples / "jsonl")
    inputs = prepare_inputs(frames, AS_OF, load_profile("ningbo-2021"))
    with pytest.raises(ValueError, match="not prepared for this rule set"):
        score_population(inputs, AS_OF, load_profile("zhejiang-2022"))
