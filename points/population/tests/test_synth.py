"""The synthetic population: deterministic by seed, valid feed rows, scorable."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

import polars as pl
import pytest

from points import synth
from points.feeds.readers import read_file
from points.feeds.record import Record
from points.identifiers import id_check_character, is_valid_id_number
from points.population import load_current, score_population
from points.rules import load_profile


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("pop")
    return out, synth.generate(1200, 5, out, fmt="jsonl", chunk=400)


def test_same_seed_same_bytes_whatever_the_chunk(population, tmp_path) -> None:
    out, counts = population
    again = synth.generate(1200, 5, tmp_path / "b", fmt="jsonl", chunk=800)
    assert again == counts
    assert _digest(tmp_path / "b") == _digest(out)


def test_parquet_same_rows_and_other_seed_differs(tmp_path) -> None:
    synth.generate(400, 9, tmp_path / "a", chunk=200)
    synth.generate(400, 9, tmp_path / "b", chunk=400)
    synth.generate(400, 10, tmp_path / "c")
    a = pl.read_parquet(tmp_path / "a" / "lease.parquet")
    assert a.equals(pl.read_parquet(tmp_path / "b" / "lease.parquet"))
    assert not a.equals(pl.read_parquet(tmp_path / "c" / "lease.parquet"))


def test_every_type_and_versions_present(population) -> None:
    out, counts = population
    assert all(n > 0 for name, n in counts["by_type"].items()
               if name not in ("false_material", "criminal_conviction", "donor",
                               "record_override"))
    assert counts["by_type"]["record_override"] == 0  # the platform's own (domain §9.1)
    lines = (out / "employment.jsonl").read_text().splitlines()
    assert any('"op":"retract"' in line for line in lines)
    assert any('"version":2,"op":"upsert"' in line for line in lines)


def test_a_sample_of_rows_passes_the_feed_validator(population) -> None:
    out, _ = population
    rng = random.Random(1)
    for path in sorted(out.glob("*.jsonl")):
        rows = list(read_file(path, today=dt.date(2026, 12, 1)))
        sample = rng.sample(rows, min(200, len(rows)))
        bad = [(path.name, row, res) for row, res in sample if not isinstance(res, Record)]
        assert not bad, bad[:3]


def test_vectorised_check_characters_match_identifiers(population) -> None:
    out, _ = population
    ids = pl.read_ndjson(out / "residence_registration.jsonl")["id_number"]
    assert ids.n_unique() > 1000
    assert all(i[17] == id_check_character(i[:17]) and is_valid_id_number(
        i, today=dt.date(2026, 12, 1)) for i in ids)


def test_the_population_scores(population) -> None:
    out, counts = population
    scores = score_population(load_current(out), dt.date(2026, 12, 1),
                              load_profile("ningbo-2021"))
    assert 1100 < scores.height <= counts["residents"]
    adults = scores.filter(~pl.col("is_minor"))
    assert adults["score"].null_count() == 0
    assert adults.select(pl.col("score").mean()).item() > 3000  # 30 points on average
