"""`xjm serve` starts gunicorn (a listening socket per worker on Linux) and the Huey
consumer; a worker that dies is started again while the web server keeps serving; when the
web server dies, everything stops."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from xinjumin.core.management.commands import serve

ROOT = Path(__file__).resolve().parents[1]


class _Stopped:
    """A process that has already exited."""

    pid = 0
    returncode = 1

    def __init__(self, args: list[str]) -> None:
        self.args = args

    def poll(self) -> int:
        return 1

    def wait(self, timeout: float | None = None) -> int:
        return 1


def test_serve_starts_gunicorn_and_the_job_worker(monkeypatch):
    started: list[list[str]] = []

    def popen(args: list[str], **_: Any) -> _Stopped:
        started.append(args)
        return _Stopped(args)

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve.signal, "signal", lambda *a: None)
    with pytest.raises(SystemExit, match="stopped unexpectedly"):
        call_command("serve", "--workers", "3", "--threads", "2")
    web, jobs = started
    assert web[1:4] == ["-m", "gunicorn", "xinjumin.wsgi:application"]
    assert web[web.index("--workers") + 1] == "3" and web[web.index("--threads") + 1] == "2"
    assert ("--reuse-port" in web) == (sys.platform == "linux")
    assert "run_huey" in jobs


# ---- the real thing: kill -9 the worker, it comes back, the web server still answers ----

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class _Output:
    """The lines a process writes (stdout and stderr merged), collected by a thread."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line)

    def worker_pids(self) -> list[int]:
        return [int(m.group(1)) for line in list(self.lines)
                if (m := re.search(r"job worker started \(pid (\d+)\)", line))]

    def wait_for(self, what: Any, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = what()
            if got:
                return got
            time.sleep(0.2)
        raise AssertionError("timed out; output:\n" + "".join(self.lines[-40:]))


@pytest.mark.slow
def test_a_killed_worker_is_restarted_and_the_web_keeps_serving(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(XJM_ENV="development", XJM_VAR_DIR=str(tmp_path), HUEY_IMMEDIATE="false",
               DJANGO_SETTINGS_MODULE="xinjumin.settings", PYTHONUNBUFFERED="1")
    subprocess.run([sys.executable, "-m", "xinjumin.cli", "migrate", "--no-input", "-v", "0"],
                   cwd=ROOT, env=env, check=True, timeout=300)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "xinjumin.cli", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = _Output(proc)
    try:
        first = out.wait_for(out.worker_pids)[0]
        out.wait_for(lambda: _answers(url))
        os.kill(first, signal.SIGKILL)
        pids = out.wait_for(lambda: len(out.worker_pids()) >= 2 and out.worker_pids())
        assert pids[1] != first
        assert any("stopped with code -9" in line for line in out.lines), out.lines
        assert _answers(url)  # the web server kept serving
        time.sleep(2)
        assert proc.poll() is None
        os.kill(pids[1], 0)  # the new worker runs
        # and a second death is restarted too (after the doubled back-off)
        os.kill(pids[1], signal.SIGKILL)
        out.wait_for(lambda: len(out.worker_pids()) >= 3)
        assert any("restarting it in 2 s" in line for line in out.lines)
        assert _answers(url)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, "".join(out.lines[-40:])
