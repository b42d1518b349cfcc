"""The chain's head checkpointed outside the database: an append-only JSON-lines file.

One line per checkpoint, {"seq", "hash", "at", "kind", "kid", "mac"}: "head" is the last
event a verification found intact (written at every verification, so hourly by the
periodic job); "base" is the last event a lawful purge removed. `mac` is an HMAC-SHA256
under the audit key `kid` names of the line's fields and the previous line's mac, so a
line edited, forged or removed from the middle of the file shows (the file is tampered
with); a head the database no longer reaches shows truncation of the audit table.

The file lives in settings.XJM_AUDIT_CHECKPOINT_DIR (keep it on other storage than the
database), one per database (its vendor and name in the file name).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from xinjumin.audit.chain import canonical
from xinjumin.audit.keys import audit_current_key, audit_keys

HEAD, BASE = "head", "base"
_TAIL_BYTES = 4096  # a line is about 250 bytes: the last one is within this


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    kind: str
    kid: str
    mac: str


@dataclass(frozen=True)
class CheckpointFile:
    """What the file holds once every line's mac verified; `problem` names the first line
    that did not (then `lines` are those before it)."""

    path: Path
    lines: tuple[Checkpoint, ...]
    problem: str = ""

    def heads(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for cp in self.lines:
            if cp.kind == HEAD:
                out.setdefault(cp.seq, []).append(cp.hash)
        return out


def checkpoint_path() -> Path:
    name = str(connection.settings_dict.get("NAME") or "default")
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).name)[:80]
    folder = Path(settings.XJM_AUDIT_CHECKPOINT_DIR)
    return folder / f"checkpoints-{connection.vendor}-{label}.jsonl"


def _mac(key: bytes, fields: dict[str, Any], prev_mac: str) -> str:
    body = canonical({k: fields[k] for k in ("seq", "hash", "at", "kind", "kid")})
    return hmac.new(key, prev_mac.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def checkpoints_read(path: Path | None = None) -> CheckpointFile:
    """Every line of the checkpoint file, each mac verified against the one before."""
    path = path or checkpoint_path()
    if not path.exists():
        return CheckpointFile(path, ())
    keys = audit_keys()
    lines: list[Checkpoint] = []
    prev_mac = ""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            where = f"checkpoint file tampered with: line {number} of {path.name}"
            try:
                data = json.loads(raw)
                cp = Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]),
                                at=str(data["at"]), kind=str(data["kind"]),
                                kid=str(data["kid"]), mac=str(data["mac"]))
            except (ValueError, KeyError, TypeError):
                return CheckpointFile(path, tuple(lines), f"{where} is not a checkpoint")
            if not raw.endswith(b"\n") or cp.kind not in (HEAD, BASE):
                return CheckpointFile(path, tuple(lines), f"{where} is not a checkpoint")
            if cp.kid not in keys:
                return CheckpointFile(path, tuple(lines),
                                      f"no audit key {cp.kid!r} to verify line {number} of "
                                      f"{path.name} (XJM_AUDIT_KEYS)")
            if not hmac.compare_digest(_mac(keys[cp.kid], data, prev_mac), cp.mac):
                return CheckpointFile(path, tuple(lines), f"{where} fails its MAC")
            lines.append(cp)
            prev_mac = cp.mac
    return CheckpointFile(path, tuple(lines))


def _last_mac(fh: Any) -> str:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    fh.seek(max(0, size - _TAIL_BYTES))
    tail = fh.read().splitlines()
    if not tail:
        return ""
    try:
        return str(json.loads(tail[-1])["mac"])
    except (ValueError, KeyError, TypeError):
        return "unreadable"  # verification names the line; appending still chains on


def checkpoint_append(*, seq: int, hash: str, kind: str = HEAD,
                      path: Path | None = None) -> Checkpoint:
    """Append one checkpoint (locked against other writers, flushed to disk)."""
    path = path or checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    kid, key = audit_current_key()
    fields: dict[str, Any] = {"seq": seq, "hash": hash, "kind": kind, "kid": kid,
                              "at": timezone.now().isoformat(timespec="seconds")}
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fields["mac"] = _mac(key, fields, _last_mac(fh))
            fh.write(json.dumps(fields, sort_keys=True).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return Checkpoint(**fields)


def checkpoints_set_aside(path: Path | None = None) -> Path | None:
    """Move the file aside (development's `xjm flush`, which empties the audit table on
    purpose); returns where it went, None if there was none."""
    path = path or checkpoint_path()
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.flushed-{timezone.now():%Y%m%dT%H%M%S%f}")
    path.replace(aside)
    return aside
