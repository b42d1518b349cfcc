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


_MAKE_PEOPLE = r'''
import json, django
django.setup()
from tests.personas import build_world
from xinjumin.api.credentials import api_token_issue
world = build_world()
print("TOKENS " + json.dumps({
    "resident": api_token_issue(user=world.users["resident_yz"], kind="resident").token,
    "reviewer": api_token_issue(user=world.users["reviewer_yz"], kind="staff").token}))
'''


def _call(method: str, url: str, token: str, body: bytes | None = None,
          key: str = "") -> tuple[int, Any]:
    import json

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@pytest.mark.slow
def test_a_case_submitted_survives_the_server_and_worker_killed_and_a_retry_is_the_same(
        tmp_path: Path) -> None:
    """Kill -9 the whole platform (web server and job worker) right after a submission:
    started again, the case is in the reviewer's queue, and the client's retry with the
    same request key gets the same case — nothing lost, nothing twice."""
    import json

    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(XJM_ENV="development", XJM_VAR_DIR=str(tmp_path), HUEY_IMMEDIATE="false",
               DJANGO_SETTINGS_MODULE="xinjumin.settings", PYTHONUNBUFFERED="1",
               PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "xinjumin.cli", "migrate", "--no-input", "-v", "0"],
                   cwd=ROOT, env=env, check=True, timeout=300)
    made = subprocess.run([sys.executable, "-c", _MAKE_PEOPLE], cwd=ROOT, env=env,
                          check=True, timeout=120, capture_output=True, text=True)
    tokens = json.loads(next(x for x in made.stdout.splitlines()
                             if x.startswith("TOKENS "))[len("TOKENS "):])
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    body = json.dumps({"kind": "evidence", "department": "HRSS",
                       "statement": "外省社保缴费证明"}).encode()

    def start() -> tuple[subprocess.Popen, _Output]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "xinjumin.cli", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "2"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        out = _Output(proc)
        out.wait_for(lambda: _answers(f"{api}/openapi.json"))
        return proc, out

    proc, _out = start()
    try:
        status, case = _call("POST", f"{api}/cases/me", tokens["resident"], body,
                             key="restart-00001")
        assert status == 201, case
        os.killpg(proc.pid, signal.SIGKILL)  # the web server and the worker, at once
        proc.wait(timeout=30)
        proc, _out = start()
        status, queue = _call("GET", f"{api}/cases/queue", tokens["reviewer"])
        assert status == 200 and [c["id"] for c in queue["cases"]] == [case["id"]]
        status, again = _call("POST", f"{api}/cases/me", tokens["resident"], body,
                              key="restart-00001")
        assert status == 201 and again["id"] == case["id"]
        status, mine = _call("GET", f"{api}/cases/me", tokens["resident"])
        assert status == 200 and len(mine) == 1
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
