"""Encryption of personal data at rest (AES-256-GCM) and keyed hashes for look-ups.

Values are stored as "kid$base64(nonce || ciphertext+tag)" so keys can rotate: new values
use the current key id, old values name the key that decrypts them. A keyed hash
(HMAC-SHA256 with a separate key) of the normalised value finds a row without decrypting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,16}")


@lru_cache(maxsize=8)
def key_ring(spec: str, *, setting: str, min_bytes: int = 32, max_bytes: int = 32,
             reserved: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Keys by id from a setting "kid:base64key[,kid:base64key...]" (one format for every
    key list: the data keys, the audit chain's keys); an id is up to 16 letters, digits,
    '.', '_' or '-', none of `reserved`; a malformed entry names the setting."""
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        kid, sep, b64 = part.strip().partition(":")
        if not sep or not _KEY_ID.fullmatch(kid) or kid in reserved:
            raise ImproperlyConfigured(
                f"{setting} must look like 'k1:BASE64KEY[,k2:...]' (key ids of up to 16 "
                "letters, digits, '.', '_' or '-'"
                + (f", not {', '.join(map(repr, reserved))}" if reserved else "") + ")")
        try:
            key = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{setting} key {kid!r} is not base64") from None
        if not min_bytes <= len(key) <= max_bytes:
            size = (f"{min_bytes} bytes" if min_bytes == max_bytes
                    else f"{min_bytes} to {max_bytes} bytes")
            raise ImproperlyConfigured(f"{setting} key {kid!r} must be {size}")
        keys[kid] = key
    return keys


def _keys(spec: str) -> dict[str, bytes]:
    return key_ring(spec, setting="XJM_DATA_KEYS")  # AES-256: 32 bytes


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


def encrypt_bytes(data: bytes, *, associated: bytes = b"") -> bytes:
    """A file's bytes sealed with the current data key: b"kid$" + nonce + ciphertext+tag."""
    kid = current_key_id()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_keys(settings.XJM_DATA_KEYS)[kid]).encrypt(nonce, data, associated)
    return kid.encode() + b"$" + nonce + sealed


def decrypt_bytes(stored: bytes, *, associated: bytes = b"") -> bytes:
    kid, sep, raw = bytes(stored).partition(b"$")
    if not sep:
        raise ValueError("not an encrypted value")
    keys = _keys(settings.XJM_DATA_KEYS)
    if kid.decode() not in keys:
        raise ImproperlyConfigured(f"no data key {kid.decode()!r} to decrypt a stored file")
    return AESGCM(keys[kid.decode()]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                              associated)


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
