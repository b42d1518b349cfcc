"""Idempotent submissions: the Idempotency-Key header (style.md habit 8).

The same key with the same body replays the first successful answer; the same key with a
different body is a 409. The key is scoped to the user and the operation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from xinjumin.api.models import IdempotencyRecord
from xinjumin.core.errors import DomainError

KEY_MAX = 128


def _body_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, body_hash: str) -> tuple[int, Any]:
    if record.body_hash != body_hash:
        raise DomainError(
            "idempotency_key_reused",
            "此 Idempotency-Key 已用于内容不同的请求; 新请求请使用新的键",
            "this Idempotency-Key was used for a different request; use a new key",
            {"Idempotency-Key": "已用于其他请求内容 / used for a different body"}, 409)
    return record.status, record.response


def idempotent(*, user: Any = None, operation: str, key: str | None, body: dict[str, Any],
               run: Callable[[], tuple[int, Any]], api_key: Any = None) -> tuple[int, Any]:
    """Run `run()` once per (caller, operation, key); replay its answer for the same body.
    The caller is `user`, or for department systems `api_key`.

    Without a key, `run()` simply runs. Only successful answers are kept, so a request
    refused for bad input can be corrected and resent with the same key.
    """
    if not key:
        return run()
    if len(key) > KEY_MAX:
        raise DomainError("invalid_input", "Idempotency-Key 过长", "Idempotency-Key too long",
                          {"Idempotency-Key": f"最多 {KEY_MAX} 个字符 / at most {KEY_MAX}"})
    body_hash = _body_hash(body)
    caller = {"api_key": api_key} if api_key is not None else {"user": user}
    existing = IdempotencyRecord.objects.filter(**caller, operation=operation, key=key).first()
    if existing is not None:
        return _replay(existing, body_hash)
    try:
        with transaction.atomic():
            status, response = run()
            IdempotencyRecord.objects.create(**caller, operation=operation, key=key,
                                             body_hash=body_hash, status=status,
                                             response=json.loads(json.dumps(response,
                                                                            default=str)))
    except IntegrityError:
        # A concurrent request with the same key won; our work was rolled back.
        existing = IdempotencyRecord.objects.filter(**caller, operation=operation,
                                                    key=key).first()
        if existing is None:
            raise
        return _replay(existing, body_hash)
    return status, response
