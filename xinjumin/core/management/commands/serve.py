"""`xjm serve`: the web server (gunicorn) and the job worker (Huey consumer) together.

Used by `make run`. Ctrl-C stops both. The job worker is supervised: when it dies (killed,
out of memory) it is started again, after a back-off that doubles from 1 s up to a minute
while it keeps dying within a minute of its start, each time logged; the web server keeps
serving meanwhile (a new worker marks the imports the dead one left running
"interrupted": records.tasks). If the web server itself dies, everything stops and the
command fails, so a platform without its web server never goes unnoticed.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

log = logging.getLogger("xinjumin.serve")

BACKOFF_FIRST = 1.0  # seconds before the first restart of a worker that died
BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0  # a worker that ran this long before dying is restarted at once again


class Command(BaseCommand):
    help = "Start the web server and the job worker (Huey consumer) together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, bind: str, workers: int, threads: int, **opts: Any) -> None:
        python = sys.executable
        web = [python, "-m", "gunicorn", "xinjumin.wsgi:application", "--bind", bind,
               "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
               "--logger-class", "xinjumin.core.access_log.MaskingLogger",
               "--graceful-timeout", "5"]
        if sys.platform == "linux":
            # a listening socket per worker: Linux spreads new connections over the
            # workers, where one shared socket lets the first to wake take a burst of them
            web.append("--reuse-port")
        jobs = [python, "-m", "django", "run_huey", "--settings", "xinjumin.settings"]
        server = subprocess.Popen(web)
        worker = self._start_worker(jobs)
        started = time.monotonic()
        backoff = BACKOFF_FIRST
        restart_at: float | None = None
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"web server on http://{bind}  ·  job worker running  ·  Ctrl-C stops")
        self.stdout.flush()
        while not stopping and server.poll() is None:
            now = time.monotonic()
            if restart_at is None and worker.poll() is not None:
                ran = now - started
                if ran >= STABLE_AFTER:
                    backoff = BACKOFF_FIRST
                log.error("job worker (pid %s) stopped with code %s after %.0f s; restarting "
                          "it in %.0f s", worker.pid, worker.returncode, ran, backoff)
                restart_at = now + backoff
                backoff = min(backoff * 2, BACKOFF_MAX)
            elif restart_at is not None and now >= restart_at:
                worker, started, restart_at = self._start_worker(jobs), now, None
            time.sleep(0.2)
        procs = [server] if restart_at is not None else [server, worker]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not stopping:
            raise SystemExit("the web server stopped unexpectedly; see the log above")

    def _start_worker(self, jobs: list[str]) -> subprocess.Popen:
        worker = subprocess.Popen(jobs)
        log.info("job worker started (pid %s)", worker.pid)
        return worker
