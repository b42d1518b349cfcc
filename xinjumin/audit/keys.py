"""The audit chain's keys (settings.XJM_AUDIT_KEYS), never held by the database.

"kid:base64key[,kid:base64key...]": new events and checkpoints are keyed with
XJM_AUDIT_KEY_ID (default: the first key); older keys stay listed so that what they keyed
still verifies (rotation). Each key at least 32 bytes.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xinjumin.audit.chain import UNKEYED

MIN_KEY_BYTES = 32
_KID = re.compile(r"[A-Za-z0-9_.-]{1,16}")


@lru_cache(maxsize=4)
def _parse(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        kid, sep, b64 = part.strip().partition(":")
        if not sep or not _KID.fullmatch(kid) or kid == UNKEYED:
            raise ImproperlyConfigured(
                "XJM_AUDIT_KEYS must look like 'a1:BASE64KEY[,a2:...]' (key ids of up to 16 "
                f"letters, digits, '.', '_' or '-', not {UNKEYED!r})")
        try:
            key = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"XJM_AUDIT_KEYS key {kid!r} is not base64") from None
        if len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"XJM_AUDIT_KEYS key {kid!r} must be at least {MIN_KEY_BYTES} bytes")
        keys[kid] = key
    return keys


def audit_keys() -> dict[str, bytes]:
    """Every configured audit key by id."""
    return _parse(settings.XJM_AUDIT_KEYS)


def audit_current_key() -> tuple[str, bytes]:
    """(key id, key) that new events and checkpoints are keyed with."""
    keys = audit_keys()
    kid = settings.XJM_AUDIT_KEY_ID or next(iter(keys))
    if kid not in keys:
        raise ImproperlyConfigured(f"XJM_AUDIT_KEY_ID {kid!r} is not among XJM_AUDIT_KEYS")
    return kid, keys[kid]
