"""Nightly re-score benchmark: N residents scored by the population evaluator AND stored.

    .venv/bin/python bench/bench_scoring.py            # 5,113,100 residents (target ≤ 300 s)
    .venv/bin/python bench/bench_scoring.py --quick    # 100,000 residents
    ... --database-url postgres://postgres@127.0.0.1:5432/xjm_bench   # PostgreSQL (COPY)

The population (points.synth, seed 2021, as of 2026-12-01) is the one bench_points.py
caches in var/bench/pop-<N>-seed2021/ (generated here the same way when absent). The
database (SQLite by default: var/bench/scoring-<N>.sqlite3) is built once (migrations) and
kept. Each run times `scores_rescore_all` twice — the first night (empty score table) and
a second night (yesterday's nightly rows deleted, replaced) — reading the Parquet
population directly (setting XJM_SCORING_FEEDS: the layout records_export_parquet
writes; the export itself is timed by the records bench), then merges
{name, value, unit, target, met} into var/bench/report.json (other entries kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
REPORT = BENCH / "report.json"
FULL, QUICK = 5_113_100, 100_000
TARGET_SECONDS = 300
AS_OF = dt.date(2026, 12, 1)
SEED = 2021  # the seed bench_points.py uses, so that both share one population


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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    n = args.n or (QUICK if args.quick else FULL)
    feeds = population(n)
    db_url = args.database_url or f"sqlite:///{BENCH / f'scoring-{n}.sqlite3'}"
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
    settings.XJM_SCORING_FEEDS = str(feeds)
    from xinjumin.scoring.bulk import scores_rescore_all
    from xinjumin.scoring.models import StoredScore

    vendor = connection.vendor
    runs = []
    for night in (AS_OF, AS_OF + dt.timedelta(days=1)):
        t0 = time.perf_counter()
        run = scores_rescore_all(as_of=night)
        seconds = time.perf_counter() - t0
        runs.append((run, seconds))
        print(f"night {night}: {run.count:,} residents scored and stored in {seconds:.1f} s "
              f"{run.detail['seconds']}", flush=True)
    current = StoredScore.objects.filter(is_current=True).count()
    assert current == runs[-1][0].count, (current, runs[-1][0].count)
    target = round(TARGET_SECONDS * n / FULL, 3)  # the target is for the full city
    rows = [{"name": f"scoring.nightly_rescore_store[n={n},db={vendor},night={i + 1}]",
             "value": round(s, 1), "unit": "s", "target": target, "met": s <= target}
            for i, (_, s) in enumerate(runs)]
    merge_report(rows)
    for r in rows:
        print(f"{r['name']:<62} {r['value']:>8} {r['unit']}  target {r['target']} "
              f"{'met' if r['met'] else 'NOT MET'}")
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
