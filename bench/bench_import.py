"""Import speed of department records (issue #4): file import ≥ 20,000 records/s on SQLite
and on PostgreSQL, API-style ingestion ≥ 2,000 records/s.

Also measures records_export_parquet (the start of the nightly re-score) on the database
the CSV import left: "records export (<db>)", records/s, no target.

Generates ~200,000 synthetic records with points.synth (JSON Lines and CSV; --quick: about
50,000), imports them into a fresh SQLite database and into a fresh PostgreSQL database
(postgres://postgres@127.0.0.1:5432/xjm_bench, created and dropped here; override with
XJM_BENCH_PG_URL), and merges {name, value, unit, target, met} entries into
var/bench/report.json (its own names replaced, the others kept).

Each database run is a subprocess (Django settings are per process):
    python bench/bench_import.py [--quick] [--records N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "var" / "bench" / "report.json"
PG_URL = os.environ.get("XJM_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/xjm_bench")
FILE_TARGET, API_TARGET = 20_000, 2_000
RECORDS_PER_RESIDENT = 8.4  # what points.synth produces on average
PREFIX = "records import "
EXPORT_PREFIX = "records export "


def _generate(out: Path, records: int) -> dict[str, int]:
    sys.path.insert(0, str(ROOT))
    from points.synth import generate

    n = max(4, int(records / RECORDS_PER_RESIDENT) // 4 * 4)
    counts = {}
    for fmt in ("jsonl", "csv"):
        info = generate(n, 20261201, out / fmt, fmt=fmt)
        counts[fmt] = info["records"]
    return counts


def _worker(data: Path, api_rows: int) -> dict[str, float]:
    """In a subprocess with its database settings: migrate, import, time."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinjumin.settings")
    django.setup()
    from django.core.management import call_command

    from points.feeds import feed_files
    from xinjumin.records.export import records_export_parquet
    from xinjumin.records.models import SourceRecord
    from xinjumin.records.services import records_import_file, records_ingest

    call_command("migrate", "--no-input", "--skip-checks", verbosity=0)
    results: dict[str, float] = {}
    for fmt in ("jsonl", "csv"):
        if fmt == "csv":  # a fresh start for the second format
            _clear()
        files = feed_files([data / fmt])
        rows, t0, c0 = 0, time.perf_counter(), time.process_time()
        for path in files:
            batch = records_import_file(path=path)
            rows += batch.rows
        results[fmt] = rows / (time.perf_counter() - t0)
        results[f"{fmt}_cpu"] = rows / (time.process_time() - c0)
        results[f"{fmt}_rows"] = rows
        results[f"{fmt}_stored"] = SourceRecord.objects.count()
    # The export the nightly re-score starts from, on the database the CSV import left.
    with tempfile.TemporaryDirectory(prefix="xjm-bench-export-") as out:
        t0, c0 = time.perf_counter(), time.process_time()
        exported = sum(records_export_parquet(out_dir=out).values())
        results["export"] = exported / (time.perf_counter() - t0)
        results["export_cpu"] = exported / (time.process_time() - c0)
        results["export_rows"] = exported
    # API-style: batches of 1,000 raw rows (as parsed JSON), validated and applied.
    _clear()
    raw = []
    with (data / "jsonl" / "social_insurance_period.jsonl").open() as fh:
        for line in fh:
            raw.append(json.loads(line))
            if len(raw) >= api_rows:
                break
    t0 = time.perf_counter()
    for i in range(0, len(raw), 1000):
        records_ingest(rows=raw[i:i + 1000], channel="api",
                       source_scope=("HRSS", {"social_insurance_period"}))
    results["api"] = len(raw) / (time.perf_counter() - t0)
    results["api_rows"] = len(raw)
    return results


def _clear() -> None:
    from xinjumin.records.models import ImportBatch, RecordVersion, RowRejection, SourceRecord

    for model in (RowRejection, RecordVersion, SourceRecord):
        model.objects.all().delete()
    ImportBatch.objects.all().delete()


def _run_worker(env: dict[str, str], data: Path, api_rows: int) -> dict[str, float] | None:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(data), "--api-rows", str(api_rows)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pg(action: str) -> bool:
    import psycopg

    head, name = PG_URL.rsplit("/", 1)
    try:
        with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if action == "create":
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as e:
        print(f"PostgreSQL unavailable ({e}); skipping", file=sys.stderr)
        return False
    return True


def _entries(db: str, r: dict[str, float]) -> list[dict]:
    out = []
    print(f"{db}: client CPU alone would allow {r['jsonl_cpu']:,.0f} r/s (JSON Lines), "
          f"{r['csv_cpu']:,.0f} r/s (CSV); load average {os.getloadavg()[0]:.1f}")
    for fmt, label in (("jsonl", "JSON Lines"), ("csv", "CSV")):
        value = round(r[fmt])
        out.append({"name": f"{PREFIX}{label} file ({db}, {int(r[fmt + '_rows']):,} rows)",
                    "value": value, "unit": "r/s", "target": FILE_TARGET,
                    "met": value >= FILE_TARGET})
    value = round(r["api"])
    out.append({"name": f"{PREFIX}API batches of 1,000 ({db})", "value": value,
                "unit": "r/s", "target": API_TARGET, "met": value >= API_TARGET})
    print(f"{db}: export {int(r['export_rows']):,} live records: {r['export']:,.0f} r/s "
          f"(client CPU alone {r['export_cpu']:,.0f} r/s)")
    out.append({"name": f"{EXPORT_PREFIX}({db})", "value": round(r["export"]), "unit": "r/s",
                "target": None, "met": None})
    return out


def _merge(entries: list[dict]) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(REPORT.read_text()) if REPORT.exists() else []
    rows = [r for r in rows
            if not str(r.get("name", "")).startswith((PREFIX, EXPORT_PREFIX))] + entries
    REPORT.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--records", type=int)
    parser.add_argument("--worker")
    parser.add_argument("--api-rows", type=int, default=20_000)
    args, _ = parser.parse_known_args(argv)
    if args.worker:
        print(json.dumps(_worker(Path(args.worker), args.api_rows)))
        return 0
    records = args.records or (50_000 if args.quick else 200_000)
    entries: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="xjm-bench-import-") as tmp:
        data = Path(tmp) / "feeds"
        t0 = time.perf_counter()
        counts = _generate(data, records)
        print(f"generated {counts} in {time.perf_counter() - t0:.1f}s", flush=True)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        # DEBUG off, as in production (with DEBUG, Django keeps every query's SQL)
        env.update(XJM_ENV="development", XJM_VAR_DIR=str(Path(tmp) / "var"),
                   HUEY_IMMEDIATE="0", DEBUG="false")
        result = _run_worker(env, data, args.api_rows)
        if result:
            entries += _entries("sqlite", result)
        if _pg("create"):
            try:
                result = _run_worker(dict(env, DATABASE_URL=PG_URL), data, args.api_rows)
            finally:
                _pg("drop")
            if result:
                entries += _entries("postgresql", result)
    for e in entries:
        verdict = "" if e["met"] is None else ("met" if e["met"] else "NOT MET")
        print(f"{e['name']:<60} {e['value']:>8} {e['unit']}  target "
              f"{'-' if e['target'] is None else e['target']:>6}  {verdict}")
    _merge(entries)
    return 0 if entries and all(e["met"] is not False for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
