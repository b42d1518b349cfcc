"""The audit chain's keys (settings.XJM_AUDIT_KEYS), never held by the database.

"kid:base64key[,kid:base64key...]": new events and checkpoints are keyed with
XJM_AUDIT_KEY_ID (default: the first key); older keys stay listed so that what they keyed
still verifies (rotation). Each key at least 32 bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xinjumin.audit.chain import UNKEYED
from xinjumin.core.crypto import key_ring

MIN_KEY_BYTES = 32


def audit_keys() -> dict[str, bytes]:
    """Every configured audit key by id."""
    return key_ring(settings.XJM_AUDIT_KEYS, setting="XJM_AUDIT_KEYS",
                    min_bytes=MIN_KEY_BYTES, max_bytes=1024, reserved=(UNKEYED,))


def audit_current_key() -> tuple[str, bytes]:
    """(key id, key) that new events and checkpoints are keyed with."""
    keys = audit_keys()
    kid = settings.XJM_AUDIT_KEY_ID or next(iter(keys))
    if kid not in keys:
        raise ImproperlyConfigured(f"XJM_AUDIT_KEY_ID {kid!r} is not among XJM_AUDIT_KEYS")
    return kid, keys[kid]
