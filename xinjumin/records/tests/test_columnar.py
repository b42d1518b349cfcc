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


# The nightly on SQLite: Django's sqlite3 connection has the WAL index mapped while the
# records are read through ADBC. With the driver's own copy of SQLite in the same process,
# opening the file truncated that index and the next large write died of SIGBUS; read in
# a child process (records.sqlite_reader), it is one more reader. Run in a subprocess of
# its own, so that a crash fails the test instead of killing the suite.
_WRITER_AND_READER = '''
import os, sqlite3, sys
import django
django.setup()
from xinjumin.records import columnar
path, how = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE records_sourcerecord (type, source, record_id, version, "
           "subject_hash, id_number, linked_hash, linked_id_number, fields, op)")
row = ("lease", "HRSS", "r", 1, "h", "c", "", "", "x" * 900, "upsert")
def fill(n):
    db.execute("BEGIN")
    db.executemany("INSERT INTO records_sourcerecord VALUES (?,?,?,?,?,?,?,?,?,?)",
                   [row] * n)
    db.execute("COMMIT")
fill(60_000)  # a WAL index of several pages, mapped by this connection
db.execute("PRAGMA wal_checkpoint(PASSIVE)")
db.execute("INSERT INTO records_sourcerecord VALUES (?,?,?,?,?,?,?,?,?,?)", row)
if how == "child":
    rows = sum(b.num_rows for b in columnar.adbc_sqlite_batches(path))
else:  # the driver in this process, as before
    import adbc_driver_sqlite.dbapi as adbc
    with adbc.connect(f"file:{path}?mode=ro") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM records_sourcerecord")
        rows = cur.fetchall()[0][0]
fill(60_000)
print(rows, db.execute("SELECT count(*) FROM records_sourcerecord").fetchone()[0])
'''


@pytest.mark.parametrize("how", ["child", "in-process"])
def test_reading_through_adbc_leaves_djangos_sqlite_connection_working(tmp_path, how) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xinjumin.test_settings"}
    done = subprocess.run([sys.executable, "-c", _WRITER_AND_READER,
                           str(tmp_path / "wal.sqlite3"), how],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    if how == "child":
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split() == ["60001", "120001"]
    else:  # what the child process avoids (SIGBUS; if a driver release fixes it, say so)
        assert done.returncode == -7, (done.returncode, done.stdout, done.stderr[-500:])
