"""Hashing and verification of the audit chain. Pure functions over plain values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "at", "actor", "actor_role", "actor_district", "action",
                 "object_type", "object_id", "detail", "request_id")


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    body = {name: fields[name] for name in HASHED_FIELDS}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""


def verify(rows: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk events in seq order; report the first whose link or content does not verify."""
    prev = GENESIS
    count = 0
    last_seq = 0
    for row in rows:
        count += 1
        if row["seq"] <= last_seq:
            return ChainReport(count, False, row["seq"], "sequence out of order")
        if row["prev_hash"] != prev:
            return ChainReport(count, False, row["seq"],
                               "previous-hash link broken (an event before it was removed "
                               "or altered)")
        if event_hash(prev, row) != row["hash"]:
            return ChainReport(count, False, row["seq"], "content altered")
        prev = row["hash"]
        last_seq = row["seq"]
    return ChainReport(count, True)
