"""Fault drills (issue #11 §7): kill -9 in the middle of an import and of a nightly re-score,
restart, run again, and compare with one clean run.

    .venv/bin/python bench/bench_faults.py            # 10 trials per drill, 100,000 residents
    .venv/bin/python bench/bench_faults.py --quick    # 2 trials per drill, 20,000 residents

The platform runs as in production, `xjm serve` (gunicorn + the supervised Huey worker) in
a process group of its own, on a SQLite database of its own under var/bench/faults-<N>/.
Four drills, each `--trials` times:

- import.worker: a feed file (the population's employment records, HRSS) uploaded as the
  back office does (backoffice.tasks.feed_upload_task, queued); the job worker is killed
  (SIGKILL) once chunks are committed; the supervisor restarts it, the new worker marks the
  batch interrupted, the file is queued again;
- import.web: the same records sent through POST /api/v1/feeds/records (batches of 5,000,
  one after another); the whole `xjm serve` group (web server and worker) is killed in the
  middle; it is started again and every call is sent again;
- nightly.worker / nightly.web: the nightly re-score (scoring.tasks.nightly_rescore, queued)
  on the city database (bench/citydb.py, as bench_scoring.py builds it); the worker, or
  the whole `xjm serve` group, is killed while the run is in progress; after the restart
  the run is queued again.

After each trial: the records (SourceRecord, RecordVersion) or the stored scores are those
of the clean run (a digest of their contents), nothing is counted twice (the batches'
counts add up to the clean run's), the killed batch or run is marked "interrupted" with
exactly one audit event (records.import_interrupted / scoring.run_interrupted), nothing is
left running, and the audit chain verifies. The import drills start each trial from a copy
of the database as it was before the clean run. Figures go to var/bench/report.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scoring import BENCH, merge_report, population  # noqa: E402

FULL, QUICK = 100_000, 20_000
PORT = 8765
API_BATCH = 5000  # the API's largest batch (api.schemas_feeds.MAX_RECORDS)
DRILLS = ("import.worker", "import.web", "nightly.worker", "nightly.web")
KEY_FILE = "apikey.txt"


# --- the platform's processes ---------------------------------------------------------

class Platform:
    """`xjm serve` in a process group of its own, on the drill's database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "django", "serve", "--bind", f"127.0.0.1:{PORT}",
             "--workers", "1", "--threads", "2"],
            env=self.env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/geo/districts",
                                            timeout=2) as r:
                    if r.status == 200 and self.worker_pid():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"xjm serve did not start (see {self.log})")

    def worker_pid(self) -> int | None:
        """The Huey consumer started by this serve (its child running run_huey)."""
        assert self.proc is not None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
                            ).read_text().split()
        except OSError:
            return None
        for child in children:
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"run_huey" in cmd:
                return int(child)
        return None

    def kill_worker(self) -> int:
        pid = self.worker_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_new_worker(self, old: int, timeout: float = 90) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.worker_pid()
            if pid and pid != old:
                return pid
            time.sleep(0.2)
        raise RuntimeError("the supervisor did not restart the job worker")

    def kill_all(self) -> None:
        """SIGKILL to the whole group: web server (gunicorn master and workers), worker."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        time.sleep(0.5)  # the group's last members go

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


# --- what a run leaves ----------------------------------------------------------------

def _digest(sql: str) -> tuple[int, str]:
    from django.db import connection

    h, n = hashlib.sha256(), 0
    with connection.cursor() as cur:
        cur.execute(sql)
        for row in cur:
            h.update(repr(row).encode())
            n += 1
    return n, h.hexdigest()


def records_state() -> dict[str, Any]:
    return {
        "records": _digest("SELECT source, record_id, type, version, op, subject_hash, "
                           "linked_hash, complex_id, digest FROM records_sourcerecord "
                           "ORDER BY source, record_id"),
        "versions": _digest("SELECT source, record_id, type, version, op, digest "
                            "FROM records_recordversion ORDER BY source, record_id, version"),
    }


def scores_state() -> dict[str, Any]:
    return {
        "current": _digest("SELECT subject_hash, resident_id, as_of, rule_set_hash, common, "
                           "score, home_district, scores, items, frozen, frozen_until, "
                           "is_minor FROM scoring_storedscore WHERE is_current "
                           "ORDER BY subject_hash"),
        # one current row per resident (a same-day run before keeps its rows as history)
        "once": _digest("SELECT COUNT(*), COUNT(DISTINCT subject_hash) "
                        "FROM scoring_storedscore WHERE is_current"),
    }


def batch_counts(since: int) -> dict[str, int]:
    from xinjumin.records.models import ImportBatch

    total: dict[str, int] = {}
    for b in ImportBatch.objects.filter(pk__gt=since):
        for k, v in b.counts().items():
            total[k] = total.get(k, 0) + v
    return total


def _interrupted_events(action: str, ids: list[int]) -> dict[int, int]:
    from xinjumin.audit.models import AuditEvent

    return {i: AuditEvent.objects.filter(action=action, object_id=str(i)).count()
            for i in ids}


def _chain_ok() -> bool:
    from xinjumin.audit.services import audit_verify_chain

    return bool(audit_verify_chain(store=False).ok)


def _wait(what: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("waited too long")


# --- import drills --------------------------------------------------------------------

def _feed_rows(pop: Path, n: int) -> list[dict[str, Any]]:
    import polars as pl

    # HRSS's employment records (the others are SAMR's business licences: not its key's)
    df = (pl.read_parquet(pop / "employment.parquet").filter(pl.col("source") == "HRSS")
          .head(n)
          .with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")))
    return [{k: v for k, v in row.items() if v is not None} for row in df.to_dicts()]


def _import_setup(db: Path, rows: list[dict[str, Any]], var: Path) -> dict[str, Any]:
    """A migrated database with an HRSS key and a clerk; its copy is each trial's start."""
    from django.core.management import call_command

    from xinjumin.accounts.services import staff_create
    from xinjumin.api.credentials import api_key_create

    call_command("migrate", verbosity=0)
    key = api_key_create(name="HRSS bench", source="HRSS", record_types=["employment"]).key
    clerk = staff_create(username="bench_clerk", password="Bench-Window-2026!",  # noqa: S106
                         role="window_staff", district="330212", street=None, department="",
                         display_name="bench", actor="bench")
    feed = var / "employment.jsonl"
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return {"key": key, "clerk": clerk.pk, "feed": feed}


def _queue_upload(setup: dict[str, Any], var: Path, trial: str) -> None:
    from xinjumin.backoffice.tasks import feed_upload_task

    copy = var / "uploads" / f"{trial}.jsonl"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(setup["feed"], copy)
    feed_upload_task(str(copy), "employment.jsonl", setup["clerk"])


def _send_api(setup: dict[str, Any], rows: list[dict[str, Any]],
              stop_at: float | None = None) -> bool:
    """Every record through the API, API_BATCH per call; False when a call failed (the
    server was killed under it)."""
    for i in range(0, len(rows), API_BATCH):
        body = json.dumps({"records": rows[i:i + API_BATCH]}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/feeds/records",
                                     data=body, method="POST",
                                     headers={"X-API-Key": setup["key"],
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=600) as r:  # noqa: S310 (http://)
                assert r.status == 200, r.status
        except OSError:
            return False
    return True


def _snapshot(db: Path, snapshot: Path) -> None:
    """The database and the audit checkpoints kept outside it (a database restored
    without them reads as a truncated chain, as it should)."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    shutil.copy(db, snapshot)
    audit = Path(settings.XJM_AUDIT_CHECKPOINT_DIR)
    shutil.rmtree(f"{snapshot}.audit", ignore_errors=True)
    if audit.exists():
        shutil.copytree(audit, f"{snapshot}.audit")


def _restore(snapshot: Path, db: Path) -> None:
    from django.conf import settings
    from django.db import connection

    connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(snapshot, db)
    audit = Path(settings.XJM_AUDIT_CHECKPOINT_DIR)
    shutil.rmtree(audit, ignore_errors=True)
    if Path(f"{snapshot}.audit").exists():
        shutil.copytree(f"{snapshot}.audit", audit)


def import_drills(args: argparse.Namespace, pop: Path, var: Path, env: dict[str, str],
                  db: Path) -> list[dict[str, Any]]:
    import threading

    from xinjumin.records.models import ImportBatch
    from xinjumin.records.services import CHUNK_SIZE

    rows = _feed_rows(pop, args.n)
    setup = _import_setup(db, rows, var)
    snapshot = var / "before.sqlite3"
    _snapshot(db, snapshot)
    platform = Platform(env, var / "serve.log")
    results = []
    try:
        # the clean runs (one per channel: the API's batches are another shape of counts)
        clean: dict[str, Any] = {}
        for drill in ("import.worker", "import.web"):
            _restore(snapshot, db)
            platform.start()
            t0 = time.perf_counter()
            if drill == "import.worker":
                _queue_upload(setup, var, "clean")
                _wait(lambda: ImportBatch.objects.filter(status="done").exists(), 600)
            else:
                assert _send_api(setup, rows)
            seconds = time.perf_counter() - t0
            platform.stop()
            clean[drill] = {"state": records_state(), "counts": batch_counts(0),
                            "seconds": seconds}
            print(f"{drill} clean run: {len(rows):,} rows in {seconds:.1f} s "
                  f"{clean[drill]['counts']}", flush=True)
        for drill in ("import.worker", "import.web"):
            ok = 0
            for trial in range(args.trials):
                _restore(snapshot, db)
                platform.start()
                rng = random.Random(f"{drill}-{trial}")
                if drill == "import.worker":
                    _queue_upload(setup, var, f"t{trial}")
                    # killed after chunk k (1 ≤ k < chunks) committed, within the next one
                    chunks = -(-len(rows) // CHUNK_SIZE)
                    done = rng.randrange(1, max(chunks, 2)) * CHUNK_SIZE
                    _wait(lambda done=done: ImportBatch.objects.filter(
                        rows__gte=done).exists(), 120, 0.005)
                    time.sleep(rng.uniform(0, 0.5) * clean[drill]["seconds"] / chunks)
                    old = platform.kill_worker()
                    platform.wait_new_worker(old)
                    _wait(lambda: not ImportBatch.objects.filter(status="running").exists(),
                          60)
                    _queue_upload(setup, var, f"t{trial}-again")
                    _wait(lambda: ImportBatch.objects.filter(status="done").exists(), 600)
                else:
                    sender = threading.Thread(target=_send_api, args=(setup, rows))
                    sender.start()
                    # killed during call k (1 ≤ k < calls): k calls committed before it
                    calls = -(-len(rows) // API_BATCH)
                    k = rng.randrange(1, max(calls, 2))
                    _wait(lambda: ImportBatch.objects.count() > k, 120, 0.01)  # noqa: B023
                    time.sleep(rng.uniform(0, 0.5) * clean[drill]["seconds"] / calls)
                    platform.kill_all()
                    sender.join()
                    platform.start()
                    assert _send_api(setup, rows)  # the API call marks the dead batches
                interrupted = list(ImportBatch.objects.filter(status="interrupted")
                                   .values_list("pk", flat=True))
                events = _interrupted_events("records.import_interrupted", interrupted)
                platform.stop()
                checks = _import_checks(clean[drill], interrupted, events)
                ok += not checks
                print(f"{drill} trial {trial + 1}: {len(interrupted)} interrupted batch(es) "
                      f"{'OK' if not checks else 'FAILED: ' + '; '.join(checks)}", flush=True)
            results.append(_row(drill, args, ok))
    finally:
        platform.stop()
    return results


def _import_checks(clean: dict[str, Any], interrupted: list[int],
                   events: dict[int, int]) -> list[str]:
    from xinjumin.records.models import ImportBatch

    problems = []
    if records_state() != clean["state"]:
        problems.append("records differ from the clean run")
    counts = batch_counts(0)
    applied = ("created", "updated", "retracted")  # a replay is "unchanged", not counted
    if any(counts.get(k, 0) != clean["counts"].get(k, 0) for k in applied):
        problems.append(f"counted twice or lost: {counts} vs {clean['counts']}")
    if not interrupted:
        problems.append("no batch marked interrupted")
    if any(n != 1 for n in events.values()):
        problems.append(f"audit events per interrupted batch: {events}")
    if ImportBatch.objects.filter(status="running").exists():
        problems.append("a batch left running")
    if not _chain_ok():
        problems.append("audit chain broken")
    return problems


# --- nightly drills -------------------------------------------------------------------

def _nightly_setup(pop: Path, n: int, db_url: str) -> None:
    from django.core.management import call_command

    from bench.bench_scoring import records_database, residents_table

    call_command("migrate", verbosity=0)
    if records_database(pop, n, db_url):
        call_command("migrate", verbosity=0)
        records_database(pop, n, db_url)
    residents_table(pop)


def _queue_nightly() -> None:
    from xinjumin.scoring.tasks import nightly_rescore

    nightly_rescore()


def nightly_drills(args: argparse.Namespace, pop: Path, var: Path, env: dict[str, str],
                   db_url: str) -> list[dict[str, Any]]:
    from xinjumin.scoring.models import ScoreRun

    _nightly_setup(pop, args.n, db_url)
    platform = Platform(env, var / "serve.log")
    results = []

    def last_done(after: int) -> ScoreRun | None:
        return ScoreRun.objects.filter(pk__gt=after, kind="nightly", status="done").last()

    def running() -> ScoreRun | None:
        return ScoreRun.objects.filter(kind="nightly", status="running").first()

    try:
        platform.start()
        t0 = time.perf_counter()
        _queue_nightly()
        top = ScoreRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        seconds = float(_wait(lambda: last_done(top), 1800, 0.2).seconds)
        queued = time.perf_counter() - t0
        clean = scores_state()
        print(f"nightly clean run: {clean['current'][0]:,} scores in {seconds:.1f} s "
              f"({queued:.1f} s from the queue)", flush=True)
        for drill in ("nightly.worker", "nightly.web"):
            ok = 0
            for trial in range(args.trials):
                rng = random.Random(f"{drill}-{trial}")
                top = ScoreRun.objects.order_by("-pk").values_list("pk", flat=True).first()
                _queue_nightly()
                run = _wait(running, 120, 0.02)
                time.sleep(rng.uniform(0.05, 0.7) * seconds)
                if drill == "nightly.worker":
                    platform.wait_new_worker(platform.kill_worker())
                else:
                    platform.kill_all()
                    platform.start()
                # the new worker marks the killed run at its start
                killed = run.pk
                _wait(lambda: ScoreRun.objects.get(pk=killed).status != "running", 60)  # noqa: B023
                _queue_nightly()
                after = max(top or 0, killed)
                _wait(lambda: last_done(after), 1800, 0.2)  # noqa: B023
                run.refresh_from_db()
                checks = _nightly_checks(clean, run)
                ok += not checks
                print(f"{drill} trial {trial + 1}: run {run.pk} {run.status} "
                      f"{'OK' if not checks else 'FAILED: ' + '; '.join(checks)}", flush=True)
            results.append(_row(drill, args, ok))
    finally:
        platform.stop()
    return results


def _nightly_checks(clean: dict[str, Any], run: Any) -> list[str]:
    from xinjumin.scoring.models import ScoreRun

    problems = []
    if run.status != "interrupted":  # it ended before the kill: not a drill
        problems.append(f"the killed run is {run.status}")
    events = _interrupted_events("scoring.run_interrupted", [run.pk])[run.pk]
    if events != 1:
        problems.append(f"{events} audit events for the interrupted run")
    if scores_state() != clean:
        problems.append("stored scores differ from the clean run")
    if ScoreRun.objects.filter(status="running").exists():
        problems.append("a run left running")
    if not _chain_ok():
        problems.append("audit chain broken")
    return problems


def _row(drill: str, args: argparse.Namespace, ok: int) -> dict[str, Any]:
    return {"name": f"faults.{drill}[n={args.n},trials={args.trials}] clean reruns",
            "value": ok, "unit": "", "target": args.trials, "met": ok == args.trials}


# --- main -----------------------------------------------------------------------------

def _drill_process(args: argparse.Namespace) -> int:
    """One family of drills (import or nightly), Django set up on its own database."""
    pop = population(args.n)
    var = BENCH / f"faults-{args.n}" / args.family
    if args.family == "import" and var.exists():
        # the import drills start from an empty database (a run before left its clerk,
        # key, batches and audit checkpoints); the nightly's city database is kept
        shutil.rmtree(var)
    var.mkdir(parents=True, exist_ok=True)
    db = var / "xinjumin.sqlite3"
    db_url = f"sqlite:///{db}"
    # the SQLite database of settings.py under XJM_VAR_DIR (WAL, IMMEDIATE transactions,
    # busy timeout): a DATABASE_URL would bypass those options
    os.environ.pop("DATABASE_URL", None)
    env = {**os.environ, "XJM_VAR_DIR": str(var), "HUEY_IMMEDIATE": "0",
           "DJANGO_SETTINGS_MODULE": "xinjumin.settings", "PYTHONPATH": str(ROOT)}
    os.environ.update(env)
    import django

    django.setup()
    if args.family == "import":
        rows = import_drills(args, pop, var, env, db)
    else:
        rows = nightly_drills(args, pop, var, env, db_url)
    merge_report(rows)
    for r in rows:
        print(f"{r['name']:<62} {r['value']:>4} / {r['target']}  "
              f"{'met' if r['met'] else 'NOT MET'}", flush=True)
    return 0 if all(r["met"] for r in rows) else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int)
    parser.add_argument("--trials", type=int)
    parser.add_argument("--family", choices=["import", "nightly"],
                        help="run one family of drills in this process")
    args = parser.parse_args(argv)
    args.n = args.n or (QUICK if args.quick else FULL)
    args.trials = args.trials or (2 if args.quick else 10)
    if args.family:
        return _drill_process(args)
    failed = 0
    for family in ("nightly", "import"):
        failed += subprocess.call([sys.executable, __file__, "--family", family,
                                   "--n", str(args.n), "--trials", str(args.trials)],
                                  cwd=ROOT) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
