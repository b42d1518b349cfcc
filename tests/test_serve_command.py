"""`xjm serve` starts gunicorn (a listening socket per worker on Linux) and the Huey
consumer, and stops when either stops."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core.management import call_command

from xinjumin.core.management.commands import serve


class _Stopped:
    """A process that has already exited."""

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
