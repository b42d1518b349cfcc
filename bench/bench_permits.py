"""Bench: the daily permit job (`xjm permits daily --date D`) on the city's records.

Targets (issue 12): a first run that suspends every overdue permit ≤ 10 min; a normal day
(the anniversaries of one day) ≤ 60 s; on SQLite and PostgreSQL (`--database-url`). It
times the command users run, in a process of its own, on a copy of bench_scoring.py's city
database (built once from the generator's Parquet by bench/citydb.py; the job writes
records, and the copy keeps the city database as bench_scoring.py expects it): a file copy
on SQLite, a database made from it as a template on PostgreSQL, made afresh for every
bench run and dropped after it.

The first run is the day the city's records were generated for (2026-12-01): every
permit whose anniversary passed without an endorsement is suspended. The normal day is
the next one: the permits whose anniversary it is (the generator endorses none after its
own date) are suspended. The residents the job touches are queued for re-scoring, as in
production, in a job queue of the bench's own (Redis database 15, emptied after), which
nothing consumes: the worker's re-scoring is not the job's time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scoring import (  # noqa: E402
    AS_OF,
    BENCH,
    FULL,
    QUICK,
    _drop_postgres_database,
    _postgres_database,
    merge_report,
    population,
)

FIRST_TARGET, DAY_TARGET = 600, 60  # seconds, for the full city


def _city_database(n: int, db_url: str) -> str:
    """bench_scoring.py's city records database (SQLite file, or the PostgreSQL database
    of `db_url`), built if absent; its URL."""
    url = db_url or f"sqlite:///{BENCH / f'scoring-{n}.sqlite3'}"
    if db_url:
        _postgres_database(url)
    feeds = population(n)
    code = (f"import os, sys; sys.path.insert(0, {str(ROOT)!r}); "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'xinjumin.settings'); "
            "import django; django.setup(); "
            "from django.core.management import call_command; "
            "call_command('migrate', verbosity=0); "
            "from bench.bench_scoring import records_database; from pathlib import Path; "
            f"again = records_database(Path({str(feeds)!r}), {n}, {url!r}); "
            "again and call_command('migrate', verbosity=0); "
            f"again and records_database(Path({str(feeds)!r}), {n}, {url!r})")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url})
    return url


def _copy(city_url: str, n: int) -> str:
    """A copy of the city database for the job to write into: a file copy on SQLite, a
    database made from it as a template on PostgreSQL."""
    t0 = time.perf_counter()
    if city_url.startswith("sqlite:///"):
        city = Path(city_url.removeprefix("sqlite:///"))
        copy = BENCH / f"permits-{n}.sqlite3"
        _drop(f"sqlite:///{copy}")
        shutil.copyfile(city, copy)
        size = copy.stat().st_size
        url = f"sqlite:///{copy}"
    else:
        import psycopg

        parts = urlsplit(city_url)
        url = urlunsplit(parts._replace(path=f"{parts.path}_permits"))
        _drop(url)
        admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}_permits" '
                         f'TEMPLATE "{parts.path.lstrip("/")}"')
            size = conn.execute("SELECT pg_database_size(%s)",
                                [f"{parts.path.lstrip('/')}_permits"]).fetchone()[0]
    print(f"copied the city database for the job ({size / 2**30:.1f} GiB) in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    return url


def _drop(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
    else:
        _drop_postgres_database(url)


QUEUE = "redis://127.0.0.1:6379/15"  # the bench's own job queue, emptied after


def _xjm(db_url: str, *args: str) -> tuple[float, dict]:
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": QUEUE,
           "HUEY_IMMEDIATE": "0"}
    t0 = time.perf_counter()
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "xjm"), *args], check=True, cwd=ROOT,
                         env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    return seconds, json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL URL (default: bench_scoring.py's SQLite file)")
    args = parser.parse_args(argv)
    n = args.n or (QUICK if args.quick else FULL)
    db = _copy(_city_database(n, args.database_url), n)
    vendor = "sqlite" if db.startswith("sqlite") else "postgresql"
    rows = []
    try:
        for name, day, target in (("first_run", AS_OF, FIRST_TARGET),
                                  ("normal_day", AS_OF + dt.timedelta(days=1), DAY_TARGET)):
            seconds, run = _xjm(db, "permits", "daily", "--date", day.isoformat())
            print(f"xjm permits daily --date {day}: {run['suspended']:,} permits suspended, "
                  f"{run['records']:,} records written, {seconds:.1f} s (the job's own "
                  f"{run['seconds']:.1f} s)", flush=True)
            scaled = round(target * n / FULL, 3)
            rows.append({"name": f"permits.daily[{name},n={n},db={vendor},"
                                 f"suspended={run['suspended']}]",
                         "value": round(seconds, 1), "unit": "s", "target": scaled,
                         "met": seconds <= scaled})
    finally:
        _drop(db)
        import redis

        redis.Redis.from_url(QUEUE).flushdb()
    merge_report(rows)
    for r in rows:
        print(f"{r['name']:<62} {r['value']:>8} {r['unit']}  target {r['target']} "
              f"{'met' if r['met'] else 'NOT MET'}")
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
