"""API speed against a real server on localhost (issue #4):

- a resident's score with its explanation, GET /api/v1/me/score: p95 ≤ 50 ms with 50
  concurrent clients (threads, http.client keep-alive, loopback only, ~20 s);
- API import, POST /api/v1/feeds/records in batches of 1,000: ≥ 2,000 records/s.

The server is gunicorn (`python -m gunicorn xinjumin.wsgi:application`) on 127.0.0.1 with a
free port, over a fresh SQLite database under var/bench/api/ with the sample feeds imported,
their residents registered, and their scores stored (one warm-up request each). Import
batches come from a points.synth population (JSON Lines). Figures are merged into
var/bench/report.json as {name, value, unit, target, met} (entries of others kept).

    python bench/bench_api.py [--quick] [--seconds 20] [--clients 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "var" / "bench" / "report.json"
WORK = ROOT / "var" / "bench" / "api"
SAMPLES = ROOT.parent / "shared" / "samples" / "feeds"
P95_TARGET_MS, IMPORT_TARGET = 50.0, 2_000
BATCH = 1_000
MAX_REQUESTS = 500_000
PREFIX = "api "


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(XJM_VAR_DIR=str(WORK), DEBUG="false", HUEY_IMMEDIATE="false",
               ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SETTINGS_MODULE="xinjumin.settings",
               PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    return env


# --- setup (in a subprocess with the bench settings) -----------------------------------

def _setup(records: int) -> None:
    import csv

    import django

    django.setup()
    from django.core.management import call_command

    from points.feeds import feed_files
    from points.feeds.schema import TYPES_BY_SOURCE
    from points.synth import generate
    from xinjumin.accounts.services import resident_account_for
    from xinjumin.api.credentials import api_key_create, api_token_issue
    from xinjumin.people.services import resident_create
    from xinjumin.records.services import records_import_file

    call_command("migrate", "--no-input", verbosity=0)
    for path in feed_files([SAMPLES / "jsonl"]):
        records_import_file(path=path)
    homes: dict[str, tuple[str, str]] = {}
    for line in (SAMPLES / "jsonl" / "residence_registration.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("district") and r["registered_on"] >= homes.get(r["id_number"], ("",))[0]:
            homes[r["id_number"]] = (r["registered_on"], r["district"])
    tokens = []
    digits = "零一二三四五六七八九"
    with (SAMPLES / "expected_scores.csv").open(encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f)):
            if row["is_minor"] == "true":
                continue
            resident = resident_create(
                id_number=row["id_number"], name=f"居民{digits[n // 10 % 10]}{digits[n % 10]}",
                district=homes.get(row["id_number"], ("", "330212"))[1])
            user = resident_account_for(resident)
            tokens.append(api_token_issue(user=user, kind="resident").token)
    keys = {s: api_key_create(name=f"bench {s}", source=s, record_types=list(t)).key
            for s, t in TYPES_BY_SOURCE.items()}
    n = max(4, int(records / 8.4) // 4 * 4)
    info = generate(n, 4242, WORK / "synth", fmt="jsonl")
    (WORK / "setup.json").write_text(json.dumps(
        {"tokens": tokens, "keys": keys, "synth_records": info["records"]}))


# --- the server -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "xinjumin.wsgi:application",
           "--bind", f"127.0.0.1:{port}", "--workers", str(max(2, (os.cpu_count() or 2) + 1)),
           "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30",
           "--log-level", "warning", "--timeout", "120"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env())  # noqa: S603 (our own command line)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not start")


def _get(conn: http.client.HTTPConnection, path: str, token: str) -> int:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    return response.status


# --- measurements -----------------------------------------------------------------------

def _score_load(port: int, tokens: list[str], clients: int, seconds: float) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for token in tokens:  # warm-up: compute and store each explained score once
        assert _get(conn, "/api/v1/me/score", token) == 200
    conn.close()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.monotonic() + seconds
    per_client = MAX_REQUESTS // clients

    def client(i: int) -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = i
        while time.monotonic() < stop and len(latencies[i]) < per_client:
            t0 = time.perf_counter()
            try:
                status = _get(c, "/api/v1/me/score", tokens[k % len(tokens)])
            except (OSError, http.client.HTTPException):
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            latencies[i].append(time.perf_counter() - t0)
            errors[i] += status != 200
            k += 1
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    all_ms = sorted(x * 1000 for lat in latencies for x in lat)
    n = len(all_ms)
    return {"requests": n, "errors": sum(errors), "rps": n / wall,
            "p50": all_ms[n // 2], "p95": all_ms[min(n - 1, int(n * 0.95))]}


def _import_speed(port: int, keys: dict[str, str]) -> dict:
    by_source: dict[str, list[dict]] = defaultdict(list)
    for path in sorted((WORK / "synth").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                by_source[record["source"]].append(record)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = rejected = 0
    t0 = time.perf_counter()
    for source, records in by_source.items():
        for i in range(0, len(records), BATCH):
            body = json.dumps({"records": records[i:i + BATCH]}, ensure_ascii=False)
            conn.request("POST", "/api/v1/feeds/records", body.encode(),
                         headers={"X-API-Key": keys[source],
                                  "Content-Type": "application/json"})
            response = conn.getresponse()
            data = json.loads(response.read())
            if response.status != 200:
                raise SystemExit(f"import failed: {response.status} {data}")
            sent += len(data["results"])
            rejected += data["counts"]["rejected"]
    seconds = time.perf_counter() - t0
    return {"records": sent, "rejected": rejected, "seconds": seconds,
            "per_second": sent / seconds}


def _merge(entries: list[dict]) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(REPORT.read_text()) if REPORT.exists() else []
    rows = [r for r in rows if not r["name"].startswith(PREFIX)] + entries
    REPORT.write_text(json.dumps(rows, ensure_ascii=False, indent=2))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--records", type=int, default=0)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    records = args.records or (10_000 if args.quick else 30_000)
    if args.setup:
        _setup(records)
        return 0
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    print(f"setting up {WORK.relative_to(ROOT)} (samples, residents, {records} synth records)",
          flush=True)
    subprocess.run([sys.executable, __file__, "--setup", "--records", str(records)],  # noqa: S603
                   cwd=ROOT, env=_env(), check=True)
    setup = json.loads((WORK / "setup.json").read_text())
    port = _free_port()
    server = _start_server(port)
    try:
        load = _score_load(port, setup["tokens"], args.clients, args.seconds)
        print(f"GET /me/score: {load['requests']} requests, {load['errors']} errors, "
              f"{load['rps']:.0f} req/s, p50 {load['p50']:.1f} ms, p95 {load['p95']:.1f} ms "
              f"({args.clients} clients, {args.seconds:.0f} s)", flush=True)
        imp = _import_speed(port, setup["keys"])
        print(f"POST /feeds/records: {imp['records']} records in {imp['seconds']:.1f} s = "
              f"{imp['per_second']:.0f} records/s ({imp['rejected']} rejected)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    p95, rps = round(load["p95"], 1), round(load["rps"])
    entries = [
        {"name": f"{PREFIX}GET /me/score p95, {args.clients} clients", "value": p95,
         "unit": "ms", "target": P95_TARGET_MS,
         "met": p95 <= P95_TARGET_MS and load["errors"] == 0},
        {"name": f"{PREFIX}GET /me/score p50, {args.clients} clients",
         "value": round(load["p50"], 1), "unit": "ms", "target": P95_TARGET_MS,
         "met": load["p50"] <= P95_TARGET_MS},
        {"name": f"{PREFIX}GET /me/score throughput", "value": rps, "unit": "rq/s",
         "target": 0, "met": load["errors"] == 0},
        {"name": f"{PREFIX}POST /feeds/records import (sqlite)",
         "value": round(imp["per_second"]), "unit": "rec/s", "target": IMPORT_TARGET,
         "met": imp["per_second"] >= IMPORT_TARGET},
    ]
    _merge(entries)
    for e in entries:
        print(f"{e['name']:<46} {e['value']:>10} {e['unit']:<5} target {e['target']} "
              f"{'met' if e['met'] else 'NOT MET'}")
    return 0 if all(e["met"] for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
