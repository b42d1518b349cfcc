"""A cache of the resident's own explained score (GET /me/score), for speed.

The answer only changes when the person's current stored score changes (new records
re-score them and store a new row: a new id and computing time), when another indicator
version comes into force, or on another day. The key holds all of these (stored score id
and computing time, its rule-set
hash, the indicator versions in force, the as-of day, the district; the body carries both
languages), so a changed score is never served stale; the entry is the serialised JSON
body, so a hit costs a dictionary lookup: no explanation, no pydantic validation, no JSON
encoding.

The cache is a bounded LRU inside each server process (by total bytes), not Django's
cache: entries are only read back by the process that built them, and a lookup must not
pickle. Which indicator versions are in force is remembered for IN_FORCE_SECONDS per
day (and forgotten at once in this process when a version is saved), so a version
published elsewhere is seen within that time.

Only the resident's own reads are cached: staff reads must each go through the audited
door. The cache is its own layer: authentication reads credentials only, and the current
stored score is read here (one indexed query, compiled once).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from xinjumin.api.presenters import score_out
from xinjumin.api.schemas_score import ScoreOut
from xinjumin.core.prepared import PreparedQuery
from xinjumin.scoring.models import StoredScore
from xinjumin.scoring.rulesets import versions_in_force_key
from xinjumin.scoring.selectors import score_view
from xinjumin.scoring.services import district_code, score_explain

MAX_BYTES = 64 * 1024 * 1024
IN_FORCE_SECONDS = 2.0

_lock = threading.Lock()
_bodies: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_size = 0
_in_force: dict[dt.date, tuple[float, str]] = {}


def versions_forget(**_kwargs: Any) -> None:
    """Forget which versions are in force (connected to IndicatorSystem saves/deletes)."""
    _in_force.clear()


def cache_clear() -> None:
    """Empty the cache of this process."""
    global _size
    with _lock:
        _bodies.clear()
        _size = 0
    _in_force.clear()


def _versions_in_force(as_of: dt.date) -> str:
    now = time.monotonic()
    seen = _in_force.get(as_of)
    if seen is not None and now - seen[0] < IN_FORCE_SECONDS:
        return seen[1]
    value = ",".join(f"{layer}={pk}" for layer, pk, _hash
                     in versions_in_force_key(as_of=as_of))
    if len(_in_force) > 16:
        _in_force.clear()
    _in_force[as_of] = (now, value)
    return value


def _current_score(subject_hash: str) -> QuerySet[Any, Any]:
    # [:1] rather than .first(): a unique lookup needs no ORDER BY
    return (StoredScore.objects.filter(subject_hash=subject_hash, is_current=True)
            .values_list("pk", "as_of", "rule_set_hash", "computed_at")[:1])


# Run on every read, hit or not: compiled once (prepared.py).
_current_score_query = PreparedQuery(_current_score, subject_hash=str)


def _key(resident: Any, district: str | None, as_of: dt.date) -> tuple[Any, ...] | None:
    stored = _current_score_query.rows(subject_hash=resident.id_hash)
    if not stored or stored[0][1] != as_of:
        return None
    pk, _as_of, rule_set, computed_at = stored[0]
    # computed_at too: a row id may be used again (SQLite reuses the highest rowid once
    # its row is deleted; a test's rolled-back rows), never with the same computing time
    return (resident.pk, pk, computed_at, rule_set, _versions_in_force(as_of), as_of,
            district or "")


def _get(key: tuple[Any, ...]) -> bytes | None:
    with _lock:
        body = _bodies.get(key)
        if body is not None:
            _bodies.move_to_end(key)
        return body


def _put(key: tuple[Any, ...], body: bytes) -> None:
    global _size
    with _lock:
        old = _bodies.pop(key, None)
        _size += len(body) - (len(old) if old is not None else 0)
        _bodies[key] = body
        while _size > MAX_BYTES and _bodies:
            _size -= len(_bodies.popitem(last=False)[1])


def own_score_json(*, resident: Any, district: str | None, as_of: dt.date | None
                   ) -> bytes:
    """The JSON body of the resident's explained score (ScoreOut), cached. The caller has
    checked that `resident` is the user's own (accounts.access.access_own_resident)."""
    day = as_of or timezone.localdate()
    district = district_code(district)
    key = _key(resident, district, day)
    if key is not None:
        body = _get(key)
        if body is not None:
            return body
    explained = score_explain(id_number=resident.id_number, as_of=as_of)
    view = score_view(explained=explained, district=district, resident_pk=resident.pk)
    body = ScoreOut.model_validate(score_out(view)).model_dump_json().encode()
    key = _key(resident, district, day)  # the service may have stored a new score
    if key is not None:
        _put(key, body)
    return body
