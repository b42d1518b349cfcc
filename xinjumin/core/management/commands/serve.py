"""`xjm serve`: the web server (gunicorn) and the job worker (Huey consumer) together.

Used by `make run`. Ctrl-C stops both; if either dies the other is stopped too, so a
half-running platform never goes unnoticed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


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
               "--graceful-timeout", "5"]
        if sys.platform == "linux":
            # a listening socket per worker: Linux spreads new connections over the
            # workers, where one shared socket lets the first to wake take a burst of them
            web.append("--reuse-port")
        procs = [
            subprocess.Popen(web),
            subprocess.Popen([python, "-m", "django", "run_huey", "--settings",
                              "xinjumin.settings"]),
        ]
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"web server on http://{bind}  ·  job worker running  ·  Ctrl-C stops")
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not stopping:
            raise SystemExit("a process stopped unexpectedly; see the log above")
