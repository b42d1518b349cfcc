"""Encryption of personal data at rest (AES-256-GCM) and keyed hashes for look-ups.

Values are stored as "kid$base64(nonce || ciphertext+tag)" so keys can rotate: new values
use the current key id, old values name the key that decrypts them. A keyed hash
(HMAC-SHA256 with a separate key) of the normalised value finds a row without decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


@lru_cache(maxsize=8)
def _keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        kid, sep, b64 = part.strip().partition(":")
        if not sep or not kid or "$" in kid:
            raise ImproperlyConfigured("XJM_DATA_KEYS must look like 'k1:BASE64KEY[,k2:...]'")
        key = base64.b64decode(b64)
        if len(key) != 32:
            raise ImproperlyConfigured(f"XJM_DATA_KEYS key {kid!r} must be 32 bytes (AES-256)")
        keys[kid] = key
    return keys


def current_key_id() -> str:
    keys = _keys(settings.XJM_DATA_KEYS)
    kid = settings.XJM_DATA_KEY_ID or next(iter(keys))
    if kid not in keys:
        raise ImproperlyConfigured(f"XJM_DATA_KEY_ID {kid!r} is not among XJM_DATA_KEYS")
    return kid


class Encrypter:
    """Encrypts with the current data key, the cipher set up once (bulk loads keep one);
    values are "kid$base64(nonce || ciphertext+tag)", each with a fresh random nonce."""

    def __init__(self) -> None:
        self.kid = current_key_id()
        self._aead = AESGCM(_keys(settings.XJM_DATA_KEYS)[self.kid])

    def __call__(self, plaintext: str, *, associated: bytes = b"") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), associated)
        return f"{self.kid}${base64.b64encode(nonce + sealed).decode()}"


def encrypt(plaintext: str, *, associated: bytes = b"") -> str:
    return Encrypter()(plaintext, associated=associated)


def decrypt(stored: str, *, associated: bytes = b"") -> str:
    kid, sep, b64 = stored.partition("$")
    if not sep:
        raise ValueError("not an encrypted value")
    keys = _keys(settings.XJM_DATA_KEYS)
    if kid not in keys:
        raise ImproperlyConfigured(f"no data key {kid!r} to decrypt a stored value")
    raw = base64.b64decode(b64)
    return AESGCM(keys[kid]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated).decode()


def key_id_of(stored: str) -> str:
    return stored.partition("$")[0]


@lru_cache(maxsize=4)
def _hash_key(spec: str) -> bytes:
    return base64.b64decode(spec)


class KeyedHasher:
    """keyed_hash for one purpose with the MAC prepared once: bulk work (imports, the
    nightly re-score) hashes millions of values with it."""

    def __init__(self, purpose: str) -> None:
        self._base = hmac.new(_hash_key(settings.XJM_HASH_KEY), purpose.encode() + b"\x00",
                              digestmod=hashlib.sha256)

    def __call__(self, value: str) -> str:
        mac = self._base.copy()
        mac.update(value.encode())
        return mac.hexdigest()


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value; `purpose` keeps ID and phone hashes apart."""
    return KeyedHasher(purpose)(value)
