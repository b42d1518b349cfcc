"""A cache of the resident's own explained score (GET /me/score), for speed.

Computing the explanation reads every record behind the score (tens of milliseconds); the
answer only changes when the person's current stored score changes (new records re-score
them and store a new row), when another indicator version comes into force, or on another
day. The key holds all of these, so a changed score is never served stale; the entry
holds the serialized answer. Only the resident's own reads are cached: staff reads must
each go through the audited door.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from xinjumin.api.schemas_score import ScoreOut
from xinjumin.scoring.models import IndicatorSystem, StoredScore
from xinjumin.scoring.selectors import resident_score_view

TTL_SECONDS = 600


def _versions_in_force(as_of: dt.date) -> str:
    rows = (IndicatorSystem.objects.filter(status=IndicatorSystem.Status.PUBLISHED,
                                           effective_from__lte=as_of)
            .order_by("layer", "-effective_from").values_list("layer", "id"))
    latest: dict[str, int] = {}
    for layer, pk in rows:
        latest.setdefault(layer, pk)
    return ",".join(f"{k}={v}" for k, v in sorted(latest.items()))


def _key(user: Any, resident: Any, district: str | None, as_of: dt.date) -> str | None:
    stored = (StoredScore.objects.filter(subject_hash=resident.id_hash, is_current=True)
              .values_list("pk", "as_of", "rule_set").first())
    if stored is None or stored[1] != as_of:
        return None
    raw = (f"{user.pk}:{resident.pk}:{district or ''}:{as_of}:{stored[0]}:{stored[2]}:"
           f"{_versions_in_force(as_of)}")
    return "xjm:me-score:" + hashlib.sha256(raw.encode()).hexdigest()


def own_score_json(*, user: Any, resident: Any, district: str | None,
                   as_of: dt.date | None) -> bytes:
    """The JSON body of the resident's explained score (ScoreOut), cached. The caller has
    checked that `resident` is the user's own (accounts.access.access_own_resident)."""
    day = as_of or timezone.localdate()
    key = _key(user, resident, district, day)
    if key is not None:
        body = cache.get(key)
        if body is not None:
            return body
    view = resident_score_view(user=user, resident=resident, district=district, as_of=as_of)
    body = ScoreOut.model_validate(view).model_dump_json().encode()
    key = _key(user, resident, district, day)  # the view may have stored a new score
    if key is not None:
        cache.set(key, body, TTL_SECONDS)
    return body
