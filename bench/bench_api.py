"""API speed against a real server on localhost (issue #4):

- a resident's score with its explanation, GET /api/v1/me/score: p95 ≤ 50 ms with 50
  concurrent clients — 50 keep-alive connections in a closed loop (each sends its next
  request as soon as the answer arrives), for --seconds (≤ 30) after a short unmeasured
  warm-up, Authorization rotating over the residents' tokens. The load generator is
  Debian's `wrk` (a C program, so it leaves the two cores to the server) with a small Lua
  script; without `wrk`, Python threads with http.client (much heavier on the CPU).
  Reported: p50/p95/p99, requests/s, the server's CPU time per request (user + system of
  the gunicorn processes during the run / requests) and the machine's load average.
  Separately labelled (not instead): the same 50 clients each thinking between requests
  for 0.5–1.5 s at random (mean 1 s, so that the clients do not stay in step and send
  bursts of 50), each sending its first request at a random moment of the first second,
  i.e. a realistic load; these clients are Python threads (wrk's delay() distorts about
  1% of the measured latencies);
- the same on the city database that bench_scoring.py builds (5.1 M residents, 36 M
  records; skipped with --no-city or when it is absent), for 4,500 residents picked at
  random with last night's score: each one's first read of the day (the explanation
  computed from their records and stored), by 50 thinking clients and in a closed loop,
  then repeated reads in a closed loop;
- API import, POST /api/v1/feeds/records in batches of 1,000: ≥ 2,000 records/s.

In a closed loop, latency ≈ clients / throughput: 50 clients need ~1,000 requests/s for a
50 ms mean, i.e. ≤ 2 ms of CPU per request on two cores with nothing else running.

The server is gunicorn (`python -m gunicorn xinjumin.wsgi:application`) on 127.0.0.1
with a free port: gthread workers (one per core, 4 threads each, keep-alive, a listening
socket each so that the kernel spreads the connections over them); sync
workers (--worker-class sync) cannot serve keep-alive clients that pause between
requests (a worker waits on an idle connection), so they suit only a buffering proxy in
front. The database is a fresh SQLite file under var/bench/api/ (connections kept 60 s,
as for any DATABASE_URL deployment; --per-request-db for settings' SQLite default) with
the sample feeds imported, their residents registered, and their scores stored and
explained (one warm-up request each). Import batches come from a points.synth population
(JSON Lines). Figures are merged into var/bench/report.json as {name, value, unit,
target, met} (entries of others kept).

    python bench/bench_api.py [--quick] [--seconds 20] [--clients 50] [--workers 2]
                              [--worker-class gthread|sync] [--python-client] [--reuse]
                              [--per-request-db] [--shared-socket] [--no-think]
                              [--no-import]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "var" / "bench" / "report.json"
WORK = ROOT / "var" / "bench" / "api"
P95_TARGET_MS, IMPORT_TARGET = 50.0, 2_000
BATCH = 1_000
MAX_REQUESTS = 500_000
MAX_SECONDS = 30.0
THINK_MS = 1_000
WRK = shutil.which("wrk")
# One listening socket per worker (SO_REUSEPORT): Linux spreads new connections over the
# workers. With the one shared socket, whichever worker wakes first takes a burst of
# connections (seen: 46 of 50 kept-alive clients on one worker, the other idle).
REUSE_PORT = sys.platform == "linux"
PREFIX = "api "
CITY_DB = ROOT / "var" / "bench" / "scoring-5113100.sqlite3"  # bench_scoring.py's
CITY_WORK = WORK.with_name("api-city")
CITY_READERS = 4_500  # first reads: 1,500 thinking, ~2,900 closed loop (no repeats)
SCORE = "/api/v1/me/score"


def _env(persistent_db: bool = True) -> dict[str, str]:
    """The server's environment. With `persistent_db`, the database is given as
    DATABASE_URL: the same SQLite file and options as settings' default (WAL, IMMEDIATE,
    timeouts) but, as for every DATABASE_URL deployment, connections kept 60 s instead of
    opened and closed on every request (settings' SQLite block has no CONN_MAX_AGE)."""
    env = dict(os.environ)
    env.update(XJM_VAR_DIR=str(WORK), DEBUG="false", HUEY_IMMEDIATE="false",
               ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SETTINGS_MODULE="xinjumin.settings",
               PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    if persistent_db:
        env["DATABASE_URL"] = f"sqlite:///{WORK / 'xinjumin.sqlite3'}?" + urlencode({
            "timeout": 20, "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA busy_timeout=20000;"})
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
    from points.tests.samples import SAMPLES
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


# --- the city database (bench_scoring.py's: 5.1 M residents, 36 M records) -------------

def _city_env(url: str = "") -> dict[str, str]:
    """The server's environment on the city database (`url`: a PostgreSQL one instead of
    the SQLite file)."""
    env = _env()
    env["XJM_VAR_DIR"] = str(CITY_WORK)
    # the keys the city database was sealed and hashed with: bench_scoring.py runs with
    # the default settings (the environment's keys, else var/secrets.json)
    home = Path(os.environ.get("XJM_VAR_DIR", ROOT / "var")) / "secrets.json"
    if home.exists():
        for name, value in json.loads(home.read_text()).items():
            env.setdefault(name, value)
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(
        f"sqlite:///{WORK / 'xinjumin.sqlite3'}", f"sqlite:///{CITY_DB}")
    if url:
        env["DATABASE_URL"] = url
    return env


def _city_setup(readers: int) -> None:
    """Accounts and tokens for `readers` adults picked at random among the city's
    residents whose current score is last night's (not yet explained: their first read
    of that day computes the explanation and stores it); written to city.json."""
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command

    from xinjumin.accounts.services import resident_account_for
    from xinjumin.api.credentials import api_token_issue
    from xinjumin.people.models import Resident
    from xinjumin.scoring.models import StoredScore

    call_command("migrate", "--no-input", verbosity=0)

    night = (StoredScore.objects.filter(source=StoredScore.Source.NIGHTLY, is_current=True)
             .order_by("-as_of").values_list("as_of", flat=True).first())
    if night is None:
        raise SystemExit("the city database has no nightly scores: run bench_scoring.py")
    adult = dt.date(night.year - 18, night.month, night.day)
    top = Resident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random()
    tokens: list[str] = []
    while len(tokens) < readers:
        pks = rng.sample(range(1, top + 1), min(top, 4 * (readers - len(tokens))))
        for resident in Resident.objects.filter(pk__in=pks, birth_date__lte=adult):
            row = (StoredScore.objects.filter(subject_hash=resident.id_hash, is_current=True)
                   .values_list("source", "as_of").first())
            if row != (StoredScore.Source.NIGHTLY, night) or len(tokens) >= readers:
                continue
            user = resident_account_for(resident)
            tokens.append(api_token_issue(user=user, kind="resident").token)
    (CITY_WORK / "city.json").write_text(json.dumps({"as_of": night.isoformat(),
                                                    "tokens": tokens}))


def _city_runs(args: argparse.Namespace, seconds: float) -> list[dict]:
    """The score API on the city database: each resident's first read of the day
    (explanation computed from their records among 36 M, stored), by 50 clients thinking
    ~1 s and in a closed loop; then repeated reads (stored and explained) in a closed
    loop. Returns report entries."""
    CITY_WORK.mkdir(parents=True, exist_ok=True)
    url = args.city_database_url
    print(f"city database {url or CITY_DB.relative_to(ROOT)}: accounts and tokens for "
          f"{CITY_READERS:,} residents picked at random", flush=True)
    subprocess.run([sys.executable, __file__, "--city-setup"], cwd=ROOT, env=_city_env(url),
                   check=True)
    setup = json.loads((CITY_WORK / "city.json").read_text())
    path = f"{SCORE}?as_of={setup['as_of']}"
    tokens = setup["tokens"]
    thinking, looping = tokens[:CITY_READERS // 3], tokens[CITY_READERS // 3:]
    port = _free_port()
    server = _start_server(port, args.workers, args.worker_class, args.threads, True,
                           REUSE_PORT and not args.shared_socket, env=_city_env(url))
    c = args.clients
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for token in tokens[-2 * c:]:  # loads the rule set etc. in both workers
            if _get(conn, path, token) != 200:
                raise SystemExit("city: GET /api/v1/me/score failed")
        conn.close()
        first = _score_load(server, port, thinking, c, seconds, THINK_MS,
                            args.python_client, path)
        _report(f"city, first read of the day, {c} clients thinking ~1 s", first)
        burst = _score_load(server, port, looping[:-2 * c], c, min(seconds, 10), 0,
                            args.python_client, path)
        _report(f"city, first read of the day, {c} clients closed loop", burst)
        # repeated reads: residents who have read today already. Unmeasured seconds first
        # so that each worker has its cache entries (as in the sample run): each worker
        # builds its own body for each of the 1,500 residents (~2.7 ms each on
        # PostgreSQL), which took the first ~15 s of load
        _score_load(server, port, thinking, c, 15, 0, args.python_client, path)
        again = _score_load(server, port, thinking, c, seconds, 0, args.python_client, path)
        _report(f"city, repeated reads, {c} clients closed loop", again)
    finally:
        server.terminate()
        server.wait(timeout=30)
    label = f"city (5.1 M residents, {'postgresql' if url else 'sqlite'})"
    ok = again["errors"] == 0
    return [
        {"name": f"{PREFIX}{label} GET /me/score p95, {c} clients closed loop, repeated reads",
         "value": round(again["p95"], 1), "unit": "ms", "target": P95_TARGET_MS,
         "met": again["p95"] <= P95_TARGET_MS and ok},
        {"name": f"{PREFIX}{label} GET /me/score throughput, repeated reads",
         "value": round(again["rps"]), "unit": "rq/s", "target": None, "met": None},
        {"name": f"{PREFIX}{label} first read of the day p95, {c} clients thinking ~1 s",
         "value": round(first["p95"], 1), "unit": "ms", "target": P95_TARGET_MS,
         "met": first["p95"] <= P95_TARGET_MS and first["errors"] == 0},
        {"name": f"{PREFIX}{label} first read of the day p50, {c} clients thinking ~1 s",
         "value": round(first["p50"], 1), "unit": "ms", "target": None, "met": None},
        {"name": f"{PREFIX}{label} first read of the day p95, {c} clients closed loop",
         "value": round(burst["p95"], 1), "unit": "ms", "target": None, "met": None},
        {"name": f"{PREFIX}{label} first reads per second, closed loop",
         "value": round(burst["rps"]), "unit": "rq/s", "target": None, "met": None},
        {"name": f"{PREFIX}{label} first read server CPU per request",
         "value": round(burst["cpu_ms"], 2), "unit": "ms", "target": None, "met": None},
    ]


# --- the server -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, workers: int, worker_class: str, threads: int,
                  persistent_db: bool, reuse_port: bool = True,
                  env: dict[str, str] | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "xinjumin.wsgi:application",
           "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--worker-class", worker_class, "--backlog", "256", "--keep-alive", "30",
           "--log-level", "warning", "--timeout", "120"]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    if reuse_port and REUSE_PORT:
        cmd += ["--reuse-port"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env or _env(persistent_db))
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


def _cpu_seconds(pid: int | str, children: bool = False) -> float:
    """User + system CPU seconds of one process (Linux /proc); with `children`, also those
    of its children that ended and were waited for; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_cpu(pid: int) -> float:
    """CPU seconds of the gunicorn master and its workers."""
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            pids += [int(c) for c in children]
    except OSError:
        return float("nan")
    return sum(_cpu_seconds(p) for p in pids)


def _postgres_cpu() -> float:
    """CPU seconds of this machine's PostgreSQL processes: their share of a run on
    PostgreSQL (they run on the same two cores). A backend whose connection closed during
    the run (connections live 60 s) is counted in its parent's children's time."""
    total = 0.0
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                total += _cpu_seconds(entry, children=True)
        except OSError:
            continue
    return total


def _get(conn: http.client.HTTPConnection, path: str, token: str) -> int:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    return response.status


# --- measurements -----------------------------------------------------------------------

_WRK_LUA = """
local tokens = {%(tokens)s}
local think = %(think)d
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  math.randomseed(os.time() + id * 104729)
end

function request()
  counter = counter + 1
  return wrk.format("GET", "%(path)s",
                    {["Authorization"] = "Bearer " .. tokens[counter %% #tokens + 1]})
end

function delay()
  if think == 0 then return 0 end
  return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _wrk(port: int, tokens: list[str], clients: int, seconds: float, think_ms: int,
         path: str = SCORE) -> dict:
    script = WORK / f"score-{think_ms}.lua"
    script.write_text(_WRK_LUA % {"tokens": ", ".join(f'"{t}"' for t in tokens),
                                  "think": think_ms, "path": path})
    cmd = [WRK, "-t", "2", "-c", str(clients), "-d", f"{seconds:.0f}s", "--timeout", "10s",
           "-s", str(script), f"http://127.0.0.1:{port}/api/v1/me/score"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True,
                          timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    r = json.loads(line[len("WRK_JSON "):])
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return {"requests": r["requests"], "errors": errors,
            "rps": r["requests"] / (r["duration_us"] / 1e6),
            "p50": r["p50_us"] / 1000, "p95": r["p95_us"] / 1000, "p99": r["p99_us"] / 1000,
            "client": "wrk"}


def _python_clients(port: int, tokens: list[str], clients: int, seconds: float,
                    think_ms: int, path: str = SCORE) -> dict:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.monotonic() + seconds
    per_client = MAX_REQUESTS // clients

    def client(i: int) -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = i
        if think_ms:
            # thinking clients arrive spread over one think time, as people do: started
            # together, their first requests were one burst of `clients` requests (5% of
            # a 20 s run of 50 clients), and that burst alone made the p95
            time.sleep(random.uniform(0, think_ms / 1000))
        while time.monotonic() < stop and len(latencies[i]) < per_client:
            t0 = time.perf_counter()
            try:
                status = _get(c, path, tokens[k % len(tokens)])
            except (OSError, http.client.HTTPException):
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            latencies[i].append(time.perf_counter() - t0)
            errors[i] += status != 200
            k += clients  # client i: tokens i, i + clients, ... (no two on one token)
            if think_ms:
                time.sleep(random.uniform(think_ms / 2000, think_ms * 1.5 / 1000))
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

    def pct(q: float) -> float:
        return all_ms[min(n - 1, int(n * q))]

    return {"requests": n, "errors": sum(errors), "rps": n / wall, "p50": pct(0.50),
            "p95": pct(0.95), "p99": pct(0.99), "client": "python threads"}


def _score_load(server: subprocess.Popen, port: int, tokens: list[str], clients: int,
                seconds: float, think_ms: int, python_client: bool, path: str = SCORE
                ) -> dict:
    """One measured run; with server CPU time per request and the load average."""
    # thinking clients are Python threads (few requests, little CPU): wrk's delay() adds
    # about half a second to ~1% of the requests (p99 406-518 ms with wrk, 6 ms with
    # Python threads against the same server)
    run = _python_clients if python_client or not WRK or think_ms else _wrk
    cpu0, db0 = _server_cpu(server.pid), _postgres_cpu()
    result = run(port, tokens, clients, seconds, think_ms, path)
    cpu = _server_cpu(server.pid) - cpu0
    result["cpu_ms"] = cpu * 1000 / max(1, result["requests"])
    result["db_cpu_ms"] = (_postgres_cpu() - db0) * 1000 / max(1, result["requests"])
    result["load"] = os.getloadavg()
    return result


def _warm_up(server: subprocess.Popen, port: int, tokens: list[str], clients: int,
             python_client: bool) -> None:
    """Every token once (stores and explains each score), then a few unmeasured seconds
    of load so that each worker has built its cache entries and loaded the rule set."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for token in tokens:
        status = _get(conn, "/api/v1/me/score", token)
        if status != 200:
            raise SystemExit(f"warm-up: GET /api/v1/me/score answered {status}")
    conn.close()
    _score_load(server, port, tokens, clients, 4, 0, python_client)


def _report(label: str, r: dict) -> None:
    print(f"GET /me/score {label}: {r['requests']} requests, {r['errors']} errors, "
          f"{r['rps']:.0f} req/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
          f"p99 {r['p99']:.1f} ms; server CPU {r['cpu_ms']:.2f} ms/request"
          + (f" (PostgreSQL {r['db_cpu_ms']:.2f})" if r["db_cpu_ms"] >= 0.005 else "")
          + "; load average "
          f"{r['load'][0]:.2f} {r['load'][1]:.2f} {r['load'][2]:.2f} ({r['client']})",
          flush=True)


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


def _merge(entries: list[dict], keep: str = "") -> None:
    """Replace this bench's entries (names starting with PREFIX, except those starting
    with `keep` when given: figures this run did not measure) by `entries`. City entries
    are replaced by name only: a run on one database keeps the other's figures."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(REPORT.read_text()) if REPORT.exists() else []
    names = {e["name"] for e in entries}
    rows = [r for r in rows if r["name"] not in names and (
        not r["name"].startswith(PREFIX) or r["name"].startswith(f"{PREFIX}city")
        or (keep and r["name"].startswith(keep)))] + entries
    REPORT.write_text(json.dumps(rows, ensure_ascii=False, indent=2))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--records", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--python-client", action="store_true",
                        help="Python threads instead of wrk")
    parser.add_argument("--no-think", action="store_true",
                        help="skip the labelled 1 s think-time run")
    parser.add_argument("--no-import", action="store_true", help="skip the import run")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse var/bench/api from the last run (no new setup)")
    parser.add_argument("--shared-socket", action="store_true",
                        help="one listening socket shared by the workers (gunicorn's "
                             "default) instead of one each (SO_REUSEPORT)")
    parser.add_argument("--per-request-db", action="store_true",
                        help="settings' SQLite default: a new connection per request")
    parser.add_argument("--no-city", action="store_true",
                        help="skip the runs on bench_scoring.py's city database")
    parser.add_argument("--city-database-url", default="",
                        help="the city database on PostgreSQL (bench_scoring.py "
                             "--database-url) instead of the SQLite one")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--city-setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 1.0), MAX_SECONDS)
    records = args.records or (10_000 if args.quick else 30_000)
    if args.setup:
        _setup(records)
        return 0
    if args.city_setup:
        _city_setup(CITY_READERS)
        return 0
    if not (args.reuse and (WORK / "setup.json").exists()):
        shutil.rmtree(WORK, ignore_errors=True)
        WORK.mkdir(parents=True)
        print(f"setting up {WORK.relative_to(ROOT)} (samples, residents, {records} synth "
              "records)", flush=True)
        subprocess.run([sys.executable, __file__, "--setup", "--records", str(records)],
                       cwd=ROOT, env=_env(), check=True)
    setup = json.loads((WORK / "setup.json").read_text())
    tokens = setup["tokens"]
    before = os.getloadavg()
    print(f"load average before the server started (others' work): {before[0]:.2f} "
          f"{before[1]:.2f} {before[2]:.2f}", flush=True)
    port = _free_port()
    reuse_port = REUSE_PORT and not args.shared_socket
    server = _start_server(port, args.workers, args.worker_class, args.threads,
                           not args.per_request_db, reuse_port)
    db = "a new connection per request" if args.per_request_db else "connections kept 60 s"
    print(f"gunicorn: {args.workers} {args.worker_class} workers ({args.threads} threads) "
          f"on 127.0.0.1:{port}, "
          f"{'a listening socket per worker' if reuse_port else 'one shared socket'}; "
          f"SQLite, {db}; {len(tokens)} residents' tokens; {os.cpu_count()} CPUs",
          flush=True)
    think = imp = None
    try:
        _warm_up(server, port, tokens, args.clients, args.python_client)
        load = _score_load(server, port, tokens, args.clients, seconds, 0, args.python_client)
        _report(f"closed loop, {args.clients} clients", load)
        if not args.no_think:
            think = _score_load(server, port, tokens, args.clients, seconds, THINK_MS,
                                args.python_client)
            _report(f"{args.clients} clients thinking 0.5-1.5 s (mean {THINK_MS} ms)", think)
        if not args.no_import:
            imp = _import_speed(port, setup["keys"])
            print(f"POST /feeds/records: {imp['records']} records in {imp['seconds']:.1f} s "
                  f"= {imp['per_second']:.0f} records/s ({imp['rejected']} rejected)",
                  flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    city = []
    if (CITY_DB.exists() or args.city_database_url) and not args.no_city and not args.quick:
        city = _city_runs(args, seconds)
    c = args.clients
    p95 = round(load["p95"], 1)
    ok = load["errors"] == 0
    entries = [
        {"name": f"{PREFIX}GET /me/score p95, {c} clients closed loop", "value": p95,
         "unit": "ms", "target": P95_TARGET_MS, "met": p95 <= P95_TARGET_MS and ok},
        {"name": f"{PREFIX}GET /me/score p50, {c} clients closed loop",
         "value": round(load["p50"], 1), "unit": "ms", "target": None, "met": None},
        {"name": f"{PREFIX}GET /me/score p99, {c} clients closed loop",
         "value": round(load["p99"], 1), "unit": "ms", "target": None, "met": None},
        {"name": f"{PREFIX}GET /me/score throughput, closed loop", "value": round(load["rps"]),
         "unit": "rq/s", "target": None, "met": None},
        {"name": f"{PREFIX}GET /me/score server CPU per request",
         "value": round(load["cpu_ms"], 2), "unit": "ms", "target": None, "met": None},
        {"name": f"{PREFIX}load average (1 min) before the server started",
         "value": round(before[0], 2), "unit": "", "target": None, "met": None},
        {"name": f"{PREFIX}load average (1 min) at the end of the closed loop",
         "value": round(load["load"][0], 2), "unit": "", "target": None, "met": None},
    ]
    if think is not None:
        entries.append(
            {"name": f"{PREFIX}GET /me/score p95, {c} clients thinking ~{THINK_MS // 1000} s "
                     "(second measure, not the target's)",
             "value": round(think["p95"], 1), "unit": "ms", "target": P95_TARGET_MS,
             "met": think["p95"] <= P95_TARGET_MS and think["errors"] == 0})
    if imp is not None:
        entries.append(
            {"name": f"{PREFIX}POST /feeds/records import (sqlite)",
             "value": round(imp["per_second"]), "unit": "rec/s", "target": IMPORT_TARGET,
             "met": imp["per_second"] >= IMPORT_TARGET})
    entries += city
    _merge(entries, keep=f"{PREFIX}POST" if imp is None else "")
    for e in entries:
        verdict = "" if e["met"] is None else (
            f"target {e['target']} {'met' if e['met'] else 'NOT MET'}")
        print(f"{e['name']:<60} {e['value']:>10} {e['unit']:<5} {verdict}")
    return 0 if all(e["met"] for e in entries if e["met"] is not None) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
