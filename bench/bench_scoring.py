"""Nightly re-score benchmark: N residents' records read FROM THE DATABASE, scored by the
population evaluator AND stored.

    .venv/bin/python bench/bench_scoring.py            # 5,113,100 residents (target ≤ 300 s)
    .venv/bin/python bench/bench_scoring.py --quick    # 100,000 residents
    ... --database-url postgres://postgres@127.0.0.1:5432/xjm_bench_city   # PostgreSQL
    ... --feeds        # the population read from the Parquet files instead (comparison)

The population (points.synth, seed 2021, as of 2026-12-01) is the one bench_points.py
caches in var/bench/pop-<N>-seed2021/ (generated here the same way when absent). The
database (SQLite by default: var/bench/scoring-<N>.sqlite3; PostgreSQL with
--database-url, the database created when missing) is migrated, and its records tables
are filled ONCE with the population's ~37 M records in the stored form of an import
(bench/citydb.py: encrypted ID numbers, keyed hashes, payload JSON, digests, versions and
history) and kept, with a Resident row for everyone with a live residence registration
(citydb.residents: the nightly links each score to its resident); an ImportBatch row
names the population and the keys it was built with, and the database is built again
when they differ. Each run times
`scores_rescore_all` twice, as the nightly job runs it (records read from the database by
records.columnar) — the first night (empty score table) and a second night (yesterday's
nightly rows deleted, replaced) — prints the phases (read, of which decrypt; score; hash;
retire; build_wait; store) and merges {name, value, unit, target, met} into
var/bench/report.json (other entries kept). Then (unless --no-delta) a department's delta
is imported into the city database and rolled back: 100,000 employment records one
version up, 100,000 new ones (`delta_imports`), the import's speed on a full table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
REPORT = BENCH / "report.json"
FULL, QUICK = 5_113_100, 100_000
TARGET_SECONDS = 300
AS_OF = dt.date(2026, 12, 1)
SEED = 2021  # the seed bench_points.py uses, so that both share one population
MARK = "citydb:"  # ImportBatch.file_name of the row that names a built database


def population(n: int) -> Path:
    """bench_points.py's cached population (var/bench/pop-N-seedS/), generated if absent."""
    pop = BENCH / f"pop-{n}-seed{SEED}"
    marker = pop / "_generated.json"
    if marker.exists():
        print(f"reusing population {pop.relative_to(ROOT)}", flush=True)
        return pop
    from points.synth import generate

    print(f"generating {n:,} residents into {pop.relative_to(ROOT)} …", flush=True)
    t0 = time.perf_counter()
    counts = generate(n, SEED, pop, as_of=AS_OF)
    counts["seconds"] = time.perf_counter() - t0
    marker.write_text(json.dumps(counts))
    print(f"  {counts['records']:,} records in {counts['seconds']:.0f} s", flush=True)
    return pop


def merge_report(rows: list[dict]) -> None:
    existing = json.loads(REPORT.read_text()) if REPORT.exists() else []
    names = {r["name"] for r in rows}
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps([r for r in existing if r["name"] not in names] + rows,
                                 ensure_ascii=False, indent=2))


def _postgres_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def records_database(feeds: Path, n: int, db_url: str) -> bool:
    """Make sure Django's database holds the population's records (built once); True
    when the tables had to be emptied first (the caller starts again: a new database)."""
    from django.db import connection

    from bench import citydb
    from xinjumin.records.models import ImportBatch, SourceRecord

    label = MARK + json.dumps({"n": n, "seed": SEED, "as_of": AS_OF.isoformat(),
                               "keys": json.loads(citydb.fingerprint())}, sort_keys=True)
    mark = ImportBatch.objects.filter(file_name=label[:255], status="done").first()
    if mark is not None and SourceRecord.objects.count() == mark.rows:
        print(f"reusing the records database ({mark.rows:,} current records)", flush=True)
        return False
    if SourceRecord.objects.exists():
        print("the records tables hold other records: making a new database", flush=True)
        connection.close()
        if connection.vendor == "sqlite":
            path = Path(str(connection.settings_dict["NAME"]))
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            _drop_postgres_database(db_url)
            _postgres_database(db_url)
        return True
    print(f"building the records database from {feeds.relative_to(ROOT)} "
          "(bench/citydb.py; once) …", flush=True)
    built = citydb.build(feeds)
    ImportBatch.objects.create(channel=ImportBatch.Channel.FILE, source="bench",
                               file_name=label[:255], started_at=dt.datetime.now(dt.UTC),
                               finished_at=dt.datetime.now(dt.UTC),
                               status=ImportBatch.Status.DONE, rows=built["records"])
    print(f"  {built['records']:,} current records, {built['history']:,} superseded "
          f"versions, {built['people']:,} people in {built['seconds']:.0f} s", flush=True)
    return False


def residents_table(feeds: Path) -> None:
    """Everyone with a live residence registration is a Resident (as in the city: the
    nightly links each stored score to its resident); added once, when the table is
    empty."""
    from bench import citydb
    from xinjumin.people.models import Resident

    count = Resident.objects.count()
    if count:
        print(f"reusing the residents table ({count:,} residents)", flush=True)
        return
    print("registering the residents (bench/citydb.py; once) …", flush=True)
    made = citydb.residents(feeds)
    print(f"  {made['residents']:,} residents in {made['seconds']:.0f} s", flush=True)


DELTA_ROWS = 100_000


class _Undo(Exception):
    pass


def delta_imports(feeds: Path, vendor: str, n: int) -> list[dict]:
    """A department's delta into the city database: DELTA_ROWS employment records sent
    again one version up (updated), then DELTA_ROWS new ones for existing people
    (created), each imported by records_import_file as a JSON Lines file inside a
    transaction that is then rolled back (the city database stays as built). On a table
    of 36 M records each row's keys and index entries are cold pages: this is the
    import's speed for a city, next to bench_import.py's (a fresh database)."""
    import polars as pl
    from django.db import transaction

    from xinjumin.records.services import records_import_file

    live = (pl.scan_parquet(feeds / "employment.parquet").sort("version")
            .group_by(["source", "record_id"]).last().filter(pl.col("op") == "upsert")
            .collect())
    size = min(DELTA_ROWS, live.height // 2)
    picked = live.sample(2 * size, seed=SEED, shuffle=True)
    deltas = {"updated": picked.head(size).with_columns(pl.col("version") + 1),
              "created": picked.tail(size).with_columns(
                  pl.lit(1, pl.Int64).alias("version"),
                  pl.concat_str(pl.lit("NEW-"), pl.col("record_id")).alias("record_id"))}
    rows = []
    for outcome, frame in deltas.items():
        path = BENCH / f"delta-{outcome}-{n}.jsonl"
        frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).write_ndjson(path)
        t0 = time.perf_counter()
        try:
            with transaction.atomic():
                batch = records_import_file(path=path)
                seconds = time.perf_counter() - t0
                raise _Undo
        except _Undo:
            pass
        finally:
            path.unlink(missing_ok=True)
        assert getattr(batch, outcome) + batch.unchanged == size, (outcome, batch)
        rate = round(size / seconds)
        print(f"delta into the city database: {size:,} {outcome} records in {seconds:.1f} s "
              f"= {rate:,} records/s (rolled back)", flush=True)
        rows.append({"name": f"records import into the city database [n={n},db={vendor},"
                             f"{outcome}]", "value": rate, "unit": "r/s", "target": None,
                     "met": None})
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--feeds", action="store_true",
                        help="read the population from its Parquet files, not the database")
    parser.add_argument("--no-delta", action="store_true",
                        help="skip the delta imports into the city database")
    args = parser.parse_args(argv)
    n = args.n or (QUICK if args.quick else FULL)
    feeds = population(n)
    db_url = args.database_url or f"sqlite:///{BENCH / f'scoring-{n}.sqlite3'}"
    if args.database_url:
        _postgres_database(db_url)
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinjumin.settings")
    os.environ["HUEY_IMMEDIATE"] = "1"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if args.feeds:
        settings.XJM_SCORING_FEEDS = str(feeds)
    elif records_database(feeds, n, db_url):
        call_command("migrate", verbosity=0)
        records_database(feeds, n, db_url)
    residents_table(feeds)
    from xinjumin.scoring.bulk import scores_rescore_all
    from xinjumin.scoring.models import StoredScore

    vendor = connection.vendor
    # the first night starts from an empty score table (a run before may have left
    # scores of later dates, which the nightly would only mark non-current)
    wipe = "TRUNCATE" if vendor == "postgresql" else "DELETE FROM"
    with connection.cursor() as cur:
        cur.execute(f"{wipe} {StoredScore._meta.db_table}")
    runs = []
    for night in (AS_OF, AS_OF + dt.timedelta(days=1)):
        t0 = time.perf_counter()
        run = scores_rescore_all(as_of=night)
        seconds = time.perf_counter() - t0
        runs.append((run, seconds))
        phases = ", ".join(f"{k} {v:.1f}" for k, v in run.detail["seconds"].items())
        print(f"night {night}: {run.count:,} residents read from the "
              f"{'Parquet files' if args.feeds else 'database'}, scored and stored in "
              f"{seconds:.1f} s ({phases} s)", flush=True)
    current = StoredScore.objects.filter(is_current=True).count()
    assert current == runs[-1][0].count, (current, runs[-1][0].count)
    target = round(TARGET_SECONDS * n / FULL, 3)  # the target is for the full city
    source = ",from=feeds" if args.feeds else ""
    rows = [{"name": f"scoring.nightly_rescore_store[n={n},db={vendor}{source},"
                     f"night={i + 1}]",
             "value": round(s, 1), "unit": "s", "target": target, "met": s <= target}
            for i, (_, s) in enumerate(runs)]
    if not args.feeds and not args.no_delta:
        rows += delta_imports(feeds, vendor, n)
    merge_report(rows)
    for r in rows:
        verdict = "" if r["met"] is None else (
            f"target {r['target']} {'met' if r['met'] else 'NOT MET'}")
        print(f"{r['name']:<62} {r['value']:>8} {r['unit']}  {verdict}")
    return 0 if all(r["met"] for r in rows if r["met"] is not None) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
