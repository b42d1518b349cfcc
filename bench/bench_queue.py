"""Bench: a clerk's queue page (the back office's 待办案件, GET /staff/cases/) with 100,000
open cases in the district: p95 ≤ 200 ms (issue 12).

A real server (gunicorn, as bench_api.py starts it) on a SQLite database of its own under
var/bench/queue/, built once: 25,000 residents of 鄞州 and 100,000 undecided cases routed to
HRSS there (evidence, objections, reviews; open or waiting for the resident; deadlines
over three months, a tenth of them past), made with bulk inserts (the services would take
an hour for as many; the rows are the ones they write). Two staff members with
TOTP-verified sessions, as after the login form: the HRSS reviewer and a window clerk of
鄞州. Clients: 10 clerks as Python threads, over four views (the queue, the overdue ones,
one kind, page 5), for --seconds after a warm-up: each reads a page for 0.5–1.5 s before
the next (the target's figure: people at counters), then the same 10 in a closed loop
(no pause; reported as a stress figure, no target). p50/p95/p99 and pages/s, merged into
var/bench/report.json.

    python bench/bench_queue.py [--quick] [--seconds 20] [--clients 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_api  # noqa: E402
from bench.bench_api import _free_port, _start_server  # noqa: E402
from bench.bench_scoring import merge_report  # noqa: E402

WORK = ROOT / "var" / "bench" / "queue"
TARGET_MS = 200
FULL_CASES, QUICK_CASES = 100_000, 10_000
PAGES = ["/staff/cases/", "/staff/cases/?overdue=on", "/staff/cases/?kind=objection",
         "/staff/cases/?page=5"]

_SETUP = r'''
import datetime as dt, json, random, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from importlib import import_module
from django.conf import settings
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from points.identifiers import id_check_character
from xinjumin.accounts.models import User
from xinjumin.accounts.services import staff_create, staff_totp_device_create
from xinjumin.cases.models import Case
from xinjumin.core.crypto import Encrypter
from xinjumin.people.models import Resident
from xinjumin.people.selectors import id_number_hash

n = int(sys.argv[1])
if Case.objects.count() != n:
    Case.objects.all().delete()
    Resident.objects.all().delete()
    seal = Encrypter()
    people = []
    for i in range(n // 4):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i % 12000)
        first17 = f"330212{birth:%Y%m%d}{i // 12000:03d}"
        number = first17 + id_check_character(first17)
        people.append(Resident(id_number=seal(number), id_hash=id_number_hash(number),
                               name=f"居民{i:05d}", gender="M" if i % 2 else "F",
                               birth_date=birth, district_id="330212",
                               street_id="330212001"))
    Resident.objects.bulk_create(people, batch_size=2000)
    clerk = User.objects.filter(username="bench_clerk").first() or staff_create(
        username="bench_clerk", password="Bench-Window-2026!", role="window_staff",
        district="330212", display_name="bench", actor="bench")
    ids = list(Resident.objects.values_list("pk", flat=True))
    rng = random.Random(12)
    now = timezone.now()
    today = timezone.localdate()
    kinds = ["evidence", "evidence", "objection", "review"]
    cases = []
    for i in range(n):
        submitted = now - dt.timedelta(hours=rng.randrange(24 * 60))
        cases.append(Case(
            number=f"C{submitted:%Y%m%d}-{i:08X}", kind=kinds[i % 4],
            status="waiting" if i % 7 == 0 else "open", resident_id=ids[i % len(ids)],
            district_id="330212", department="HRSS", item_key="social_insurance",
            statement="", submitted_at=submitted, submitted_by=clerk, assisted=i % 5 == 0,
            client_key=f"bench-{i:010d}", due_on=today + dt.timedelta(days=rng.randrange(-9, 90)),
            detail={}))
    Case.objects.bulk_create(cases, batch_size=2000)
cookies = {}
for name, role, dept in (("bench_reviewer", "reviewer", "HRSS"),
                         ("bench_clerk", "window_staff", "")):
    user = User.objects.filter(username=name).first() or staff_create(
        username=name, password="Bench-Window-2026!", role=role, district="330212",
        department=dept, display_name="bench", actor="bench")
    device = user.totpdevice_set.first() or staff_totp_device_create(user=user, actor="bench")[0]
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    cookies[name] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
print("BENCH_JSON " + json.dumps(cookies))
'''


def _env() -> dict[str, str]:
    """bench_api.py's server environment (DATABASE_URL with its SQLite options, no DEBUG,
    jobs not immediate) on a database and a var/ folder of this bench's own."""
    env = bench_api._env()
    sqlite = bench_api.WORK / "xinjumin.sqlite3"
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(f"sqlite:///{sqlite}",
                                                      f"sqlite:///{WORK / 'queue.sqlite3'}")
    env["XJM_VAR_DIR"] = str(WORK)
    assert str(WORK) in env["DATABASE_URL"], env["DATABASE_URL"]
    return env


def _setup(n: int) -> dict[str, str]:
    WORK.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", _SETUP, str(n)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"setup failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(line[len("BENCH_JSON "):])


def _load(port: int, cookies: list[str], clients: int, seconds: float,
          think: bool = False) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = i
        mine: list[float] = []
        pause = random.Random(i)
        if think:
            time.sleep(pause.random())  # the clerks do not start in step
        while time.monotonic() < stop:
            path = PAGES[k % len(PAGES)]
            cookie = cookies[k % len(cookies)]
            k += 1
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if think:  # reading the page: 0.5–1.5 s, 1 s on average
                time.sleep(0.5 + pause.random())
            if response.status != 200 or b'data-testid="queue"' not in body:
                with lock:
                    errors[0] += 1
                    if errors[0] == 1:
                        print(f"first error: {response.status} {response.getheader('Location')}"
                              f" {body[:200]!r}", flush=True)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {"requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
            "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=10)
    args, _ = parser.parse_known_args(argv)
    n = QUICK_CASES if args.quick else FULL_CASES
    t0 = time.perf_counter()
    cookies = _setup(n)
    print(f"{n:,} open cases in 鄞州, set up in {time.perf_counter() - t0:.0f} s", flush=True)
    port = _free_port()
    server = _start_server(port, workers=os.cpu_count() or 2, worker_class="gthread",
                           threads=4, persistent_db=True, env=_env())
    try:
        _load(port, list(cookies.values()), args.clients, 3)  # warm-up
        thinking = _load(port, list(cookies.values()), args.clients, args.seconds, think=True)
        closed = _load(port, list(cookies.values()), args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for label, r in (("clerks reading each page (0.5–1.5 s)", thinking),
                     ("closed loop (no pause: a stress figure)", closed)):
        print(f"queue page, {args.clients} {label}: {r['requests']:,} pages, {r['errors']} "
              f"errors, {r['rps']:.1f}/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
              f"p99 {r['p99']:.1f} ms", flush=True)
    row = {"name": f"backoffice.queue_page_p95[cases={n},clerks={args.clients},thinking]",
           "value": round(thinking["p95"], 1), "unit": "ms", "target": TARGET_MS,
           "met": thinking["p95"] <= TARGET_MS and thinking["errors"] == 0}
    stress = {"name": f"backoffice.queue_page_p95[cases={n},clients={args.clients},"
                      "closed_loop]",
              "value": round(closed["p95"], 1), "unit": "ms", "target": None, "met": None}
    merge_report([row, stress])
    print(f"{row['name']:<62} {row['value']:>8} ms  target {TARGET_MS} "
          f"{'met' if row['met'] else 'NOT MET'}")
    return 0 if row["met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
