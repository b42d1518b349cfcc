"""records.columnar reads the live records straight from the database into the frames
that records_export_parquet + points.population.load_current give for the same database:
the shared samples and a small generated population imported through the real import
(updates, replays, retractions, guardianship and marriage links, money, hours, dates), part
of it under a second data key; through each source of batches (Django's connection, ADBC
with a connection of its own, read ahead by a thread)."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from django.db import connection

from points.feeds.readers import feed_files
from points.population import load_current
from points.synth import generate
from xinjumin.people.selectors import id_number_hash
from xinjumin.records import columnar
from xinjumin.records.export import records_export_parquet
from xinjumin.records.models import RecordVersion, SourceRecord
from xinjumin.records.pipeline import read_ahead
from xinjumin.records.services import records_import_file

KEY = ["source", "record_id"]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def filled(feeds_dir: Path, tmp_path: Path, settings, monkeypatch) -> None:
    """Samples under the data key of the settings; a generated population under a new
    key (the old one kept to decrypt the older values). The re-scores that imports
    queue are not run (nothing here reads scores)."""
    from xinjumin.scoring import tasks

    monkeypatch.setattr(tasks, "rescore_subjects_task", lambda hashes: None)
    for path in feed_files([feeds_dir / "jsonl"]):
        assert records_import_file(path=path).rejected == 0
    new_key = base64.b64encode(bytes(range(32))).decode()
    settings.XJM_DATA_KEYS = f"{settings.XJM_DATA_KEYS},k9:{new_key}"
    settings.XJM_DATA_KEY_ID = "k9"
    pop = tmp_path / "pop"
    generate(150, 11, pop, fmt="jsonl")
    for path in feed_files([pop]):
        assert records_import_file(path=path).rejected == 0


def _reference(tmp_path: Path) -> dict[str, pl.DataFrame]:
    out = tmp_path / "export"
    records_export_parquet(out_dir=out)
    return {name: lf.collect().sort(KEY) for name, lf in
            load_current(out, strict=False).items()}


def _assert_same(population: columnar.Population, expected: dict[str, pl.DataFrame]
                 ) -> None:
    assert set(population.frames) == set(expected)
    for name, want in expected.items():
        got = population.frames[name].collect().sort(KEY)
        assert got.schema == want.schema, name
        assert got.equals(want), name


def _sqlite_copy(tmp_path: Path) -> str:
    """The in-memory test database copied to a file (ADBC opens files only)."""
    path = tmp_path / "copy.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    return str(path)


def _adbc_batches(tmp_path: Path, **kw) -> object:
    if connection.vendor == "sqlite":
        return columnar.adbc_sqlite_batches(_sqlite_copy(tmp_path), **kw)
    return columnar.adbc_postgres_batches(columnar._postgres_conninfo())


def test_the_data_have_what_the_reader_must_get_right(filled) -> None:
    live = SourceRecord.objects.filter(op="upsert")
    assert SourceRecord.objects.filter(op="retract").exists()
    assert RecordVersion.objects.exists() and live.filter(version__gt=1).exists()
    assert live.filter(type="guardianship").exclude(linked_hash="").exists()
    assert live.filter(type="marriage").exclude(linked_hash="").exists()
    assert live.filter(type="complex_rent").exists()  # no subject
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT substr(id_number, 1, 3) FROM records_sourcerecord "
                    "WHERE id_number <> ''")
        kids = {r[0] for r in cur.fetchall()}
    assert len(kids) == 2 and "k9$" in kids  # two data keys


def test_the_reader_gives_what_export_and_load_current_give(filled, tmp_path) -> None:
    expected = _reference(tmp_path)
    assert expected["lease"].height and expected["volunteer_service"].height
    population = columnar.read_population()  # as the nightly job: autocommit
    _assert_same(population, expected)
    timings = population.timings
    assert timings["rows"] == SourceRecord.objects.filter(op="upsert").count()
    # every person named, once, with the keyed hash of their ID number
    hashes = population.hashes
    assert hashes is not None and hashes["id_number"].is_unique().all()
    assert all(id_number_hash(i) == h for i, h in hashes.iter_rows())
    named = set(SourceRecord.objects.filter(op="upsert").exclude(subject_hash="")
                .values_list("subject_hash", flat=True))
    named |= set(SourceRecord.objects.filter(op="upsert").exclude(linked_hash="")
                 .values_list("linked_hash", flat=True))
    assert set(hashes["subject_hash"]) == named
    assert timings["people"] == len(named)


def test_every_source_of_batches_gives_the_same(filled, tmp_path) -> None:
    expected = _reference(tmp_path)
    _assert_same(columnar.read_population(columnar.cursor_batches(page_rows=500)),
                 expected)
    _assert_same(columnar.read_population(_adbc_batches(tmp_path, batch_rows=700)
                                          if connection.vendor == "sqlite"
                                          else _adbc_batches(tmp_path)), expected)
    _assert_same(columnar.read_population(read_ahead(_adbc_batches(tmp_path), name="test-read")),
                 expected)


def test_colliding_person_keys_are_made_again(filled, tmp_path, monkeypatch) -> None:
    expected = _reference(tmp_path)
    real = columnar.People.key
    first = columnar.SEEDS[0][0]
    seeds_used = set()

    def key(self, column, seed=None):  # every person the same key under the first seed
        seeds_used.add(self.seeds)
        if seed is None and self.seeds[0] == first:
            return pl.when(pl.col(column) != "").then(pl.lit(7, pl.UInt64))
        return real(self, column, seed)

    monkeypatch.setattr(columnar.People, "key", key)
    _assert_same(columnar.read_population(), expected)
    assert seeds_used == set(columnar.SEEDS[:2])


def test_no_records_gives_empty_frames(tmp_path) -> None:
    population = columnar.read_population()
    assert population.hashes is not None and population.hashes.height == 0
    for name, lf in population.frames.items():
        assert lf.collect().height == 0, name
    expected = _reference(tmp_path)
    _assert_same(population, expected)
