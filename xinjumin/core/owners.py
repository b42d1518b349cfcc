"""Who owns a long-running row (an import batch, a nightly re-score run), and whether that
owner is gone: a row records its host, pid and a heartbeat; a process keeps the rows it is
running now in an `Owners` registry, so a reused pid is not taken for the owner."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading


def this_host() -> str:
    return socket.gethostname()[:255]


def process_gone(pid: int) -> bool:
    """Whether no process `pid` runs on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):  # another user's, or absurd
        return pid <= 0
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


class Owners:
    """The rows of one kind this process is running now."""

    def __init__(self) -> None:
        self._live: set[int] = set()
        self._lock = threading.Lock()

    def start(self, pk: int) -> None:
        with self._lock:
            self._live.add(pk)

    def end(self, pk: int) -> None:
        with self._lock:
            self._live.discard(pk)

    def gone(self, *, pk: int, host: str, pid: int | None, beat: dt.datetime,
             now: dt.datetime, stale_after: dt.timedelta) -> bool:
        """Whether the owner of running row `pk` is gone: anywhere, its heartbeat is older
        than `stale_after`; on this host, its pid no longer runs, or is this process,
        which is not running it (the pid was reused)."""
        if now - beat > stale_after:
            return True
        if host != this_host() or not pid:
            return False
        if pid == os.getpid():
            with self._lock:
                return pk not in self._live
        return process_gone(pid)
