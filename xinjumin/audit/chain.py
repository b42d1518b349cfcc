"""Keyed hashing and verification of the audit chain. Pure functions over plain values.

Each event's `hash` is an HMAC-SHA256, under the audit key its `key_id` names, of the
previous event's hash and the event's own fields (key id included). The key is not in the
database (settings.XJM_AUDIT_KEYS), so whoever can write the audit table can neither edit
an event nor recompute the chain after it without it showing. Events written before the
chain was keyed carry key id UNKEYED ("unkeyed-v1") and verify with the plain SHA-256 of
that time; none may follow a keyed one.

`verify` names what it finds: an edited event ("content altered at seq N"), a chain
recomputed without the key ("keyed hash mismatch"), events removed in the middle ("link
broken"), at the start (before the chain's base) or at the end (a head checkpointed
outside the database that the database no longer reaches: "events after seq N were
removed"), or a head that the database's chain no longer matches ("checkpoint mismatch").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
UNKEYED = "unkeyed-v1"
HASHED_FIELDS = ("seq", "at", "actor", "actor_role", "actor_district", "action",
                 "object_type", "object_id", "detail", "request_id")
KEYED_FIELDS = (*HASHED_FIELDS, "key_id")


def canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode()


def unkeyed_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The chain's hash before it was keyed (key id UNKEYED): plain SHA-256."""
    body = canonical({name: fields[name] for name in HASHED_FIELDS})
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def keyed_hash(prev_hash: str, fields: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 under `key` of the previous hash and the fields, key id included."""
    body = canonical({name: fields[name] for name in KEYED_FIELDS})
    return hmac.new(key, prev_hash.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def event_hash(prev_hash: str, fields: Mapping[str, Any], keys: Mapping[str, bytes]) -> str:
    """The hash an event must carry: keyed by the key its `key_id` names (KeyError when
    that key is not configured), or the plain hash of an UNKEYED event."""
    kid = fields["key_id"]
    if kid == UNKEYED:
        return unkeyed_hash(prev_hash, fields)
    return keyed_hash(prev_hash, fields, keys[kid])


def _plain_hashes(prev_hash: str, fields: Mapping[str, Any]) -> set[str]:
    """What someone without the key would compute: SHA-256 in the old layout or the new."""
    return {unkeyed_hash(prev_hash, fields), hashlib.sha256(
        prev_hash.encode() + b"\n" + canonical({n: fields[n] for n in KEYED_FIELDS})
    ).hexdigest()}


@dataclass(frozen=True)
class Base:
    """Where the chain starts: GENESIS, or the last event a lawful purge removed."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = ""


@dataclass
class _Walk:
    keys: Mapping[str, bytes]
    count: int = 0
    prev_seq: int = 0
    prev_hash: str = GENESIS
    keyed_since: int | None = None
    suspect: int | None = None  # seq whose hash failed: content altered, or recomputed?

    def fail(self, seq: int | None, reason: str) -> ChainReport:
        return ChainReport(self.count, False, seq, reason, self.prev_seq, self.prev_hash)


def _check(walk: _Walk, row: Mapping[str, Any], base: Base) -> str | None:
    """The first problem of `row` given the walk so far, or None."""
    seq = row["seq"]
    if seq <= walk.prev_seq:
        return f"sequence out of order at seq {seq}"
    if seq != walk.prev_seq + 1:
        if walk.count == 1:
            first = base.seq + 1
            return (f"events before seq {seq} were removed (the chain's base is seq "
                    f"{first - 1}; the first event must be seq {first})")
        gone = (f"event {seq - 1} was" if seq - 1 == walk.prev_seq + 1
                else f"events {walk.prev_seq + 1}–{seq - 1} were")
        return f"link broken at seq {seq}: {gone} removed"
    if row["prev_hash"] != walk.prev_hash:
        return (f"link broken at seq {seq}: its previous-hash does not match seq "
                f"{seq - 1} (an event before it was removed or altered)")
    kid = row["key_id"]
    if kid == UNKEYED and walk.keyed_since is not None:
        return (f"keyed hash mismatch at seq {seq}: an unkeyed event after the keyed ones "
                f"from seq {walk.keyed_since} (the chain was recomputed without the key)")
    if kid != UNKEYED and kid not in walk.keys:
        return f"no audit key {kid!r} to verify seq {seq} (XJM_AUDIT_KEYS)"
    if event_hash(walk.prev_hash, row, walk.keys) != row["hash"]:
        if kid != UNKEYED and row["hash"] in _plain_hashes(walk.prev_hash, row):
            return (f"keyed hash mismatch at seq {seq}: the chain was recomputed without "
                    "the audit key")
        return ""  # content altered, or recomputed with another key: the next row says
    return None


def verify(rows: Iterable[Mapping[str, Any]], *, keys: Mapping[str, bytes],
           base: Base = Base(), checkpoints: Mapping[int, Iterable[str]] | None = None,
           ) -> ChainReport:
    """Walk events in seq order from `base`; report the first that does not verify.

    `checkpoints` maps a seq to the hashes checkpointed for it outside the database (the
    heads above the base): each must be the database's, and the last must be reached.
    """
    heads = {seq: set(hashes) for seq, hashes in (checkpoints or {}).items() if seq > base.seq}
    walk = _Walk(keys=keys, prev_seq=base.seq, prev_hash=base.hash)
    for row in rows:
        walk.count += 1
        seq = row["seq"]
        problem = _check(walk, row, base)
        if walk.suspect is not None:
            # The previous event's hash failed. If this one verifies, only the previous
            # event's content was changed; if it fails too, hashes were recomputed.
            if problem is None or problem.startswith("link broken"):
                return walk.fail(walk.suspect, f"content altered at seq {walk.suspect}")
            return walk.fail(walk.suspect,
                             f"keyed hash mismatch at seq {walk.suspect}: the chain was "
                             "recomputed from there without the audit key")
        if problem == "":
            walk.suspect = seq
        elif problem is not None:
            return walk.fail(seq, problem)
        if seq in heads and heads[seq] != {row["hash"]}:
            return walk.fail(seq, f"checkpoint mismatch at seq {seq}: the database's chain "
                                  "differs from the head checkpointed outside it (rewritten)")
        if row["key_id"] != UNKEYED and walk.keyed_since is None:
            walk.keyed_since = seq
        walk.prev_seq, walk.prev_hash = seq, row["hash"]
    if walk.suspect is not None:
        return walk.fail(walk.suspect, f"content altered at seq {walk.suspect}")
    top = max(heads, default=0)
    if top > walk.prev_seq:
        return walk.fail(walk.prev_seq, f"events after seq {walk.prev_seq} were removed "
                                        f"(a checkpoint outside the database names seq {top})")
    return ChainReport(walk.count, True, None, "", walk.prev_seq,
                       walk.prev_hash if walk.count else "")
