"""Services and selectors for API credentials: bearer tokens and department API keys.

Tokens and keys are shown once, when issued; only their SHA-256 digest is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet
from django.utils import timezone

from points import SOURCES, TYPES_BY_SOURCE
from xinjumin.accounts.access import own_resident_columns, own_resident_from_row
from xinjumin.accounts.models import User
from xinjumin.api.models import ApiKey, ApiToken, MachineKey, ReporterKey
from xinjumin.audit.services import audit_record
from xinjumin.core.errors import DomainError
from xinjumin.core.prepared import PreparedQuery

TOKEN_TTL = timedelta(hours=8)
TOKEN_PREFIX = "xjt_"  # noqa: S105 (a prefix, not a secret)
KEY_PREFIX = "xjk_"
REPORTER_PREFIX = "xjr_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: object
    record: ApiToken


def api_token_issue(*, user, kind: str) -> IssuedToken:  # type: ignore[no-untyped-def]
    """Issue a bearer token for `user` valid TOKEN_TTL; audited "auth.token_issued"."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user, kind=kind, token_hash=_digest(token),
            expires_at=timezone.now() + TOKEN_TTL,
        )
        audit_record(action="auth.token_issued", object_type="api_token",
                     object_id=record.pk, detail={"kind": kind}, actor=user)
    return IssuedToken(token=token, expires_at=record.expires_at, record=record)


_TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]
_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
# the token, its user, and the user's own resident with district and street (left joined:
# staff have none)
TOKEN_COLUMNS = [*_TOKEN_FIELDS, *(f"user__{name}" for name in _USER_FIELDS),
                 *own_resident_columns("user__resident__")]


def _token_lookup(token_hash: str) -> QuerySet[Any, Any]:
    return ApiToken.objects.filter(token_hash=token_hash).values_list(*TOKEN_COLUMNS)[:1]


# One query, the token with its user and their resident, compiled once (prepared.py): it
# runs on every request.
_token_query = PreparedQuery(_token_lookup, token_hash=str)


def api_token_resolve(*, token: str) -> ApiToken | None:
    """The live token record (with its user, and a resident account's own resident with
    district and street, so that `access_own_resident` needs no query) for a presented
    bearer token, or None.

    Read from the database on every call: a revoked or expired token, or a deactivated
    account, is refused at once."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    found = _token_query.rows(token_hash=_digest(token))
    if not found:
        return None
    row = found[0]
    now = timezone.now()
    n, m = len(_TOKEN_FIELDS), len(_TOKEN_FIELDS) + len(_USER_FIELDS)
    record = ApiToken.from_db(DEFAULT_DB_ALIAS, _TOKEN_FIELDS, row[:n])
    if record.revoked_at is not None or record.expires_at <= now:
        return None
    user = User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, row[n:m])
    if not user.is_active:
        return None
    resident = own_resident_from_row(row[m:])
    if resident is not None or user.resident_id is None:
        user.resident = resident  # cached on the user: access_own_resident reads it
    record.user = user
    # At most one write a minute per token: last use is informative, not exact.
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record


def api_token_revoke(*, record: ApiToken) -> None:
    """Revoke one token (logout); audited "auth.logout"."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=record.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        audit_record(action="auth.logout", object_type="api_token", object_id=record.pk,
                     actor=record.user)


@dataclass(frozen=True)
class IssuedKey:
    key: str
    record: ApiKey


def _types_error(source: str, wrong: list[str]) -> DomainError:
    allowed = ", ".join(TYPES_BY_SOURCE.get(source, ()))
    return DomainError(
        "record_type_not_allowed",
        f"部门 {source} 不能发送记录类型 {', '.join(wrong)} (可发送: {allowed})",
        f"{source} may not send record type(s) {', '.join(wrong)} (allowed: {allowed})",
        {"types": f"{source} 可发送 / may send: {allowed}"},
    )


def api_key_create(*, name: str, source: str, record_types: list[str]) -> IssuedKey:
    """Create a key for a department system; the clear key is returned once.

    `record_types` must be a non-empty subset of what `source` may send (feeds.md).
    """
    fields: dict[str, str] = {}
    if not name.strip():
        fields["name"] = "必填 / required"
    if source not in SOURCES:
        fields["source"] = f"应为 / one of: {', '.join(SOURCES)}"
    if not record_types:
        fields["types"] = "至少一个记录类型 / at least one record type"
    if fields:
        raise DomainError("invalid_api_key", "接口密钥信息有误", "invalid API key data", fields)
    wrong = [t for t in record_types if t not in TYPES_BY_SOURCE[source]]
    if wrong:
        raise _types_error(source, wrong)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        record = ApiKey.objects.create(name=name.strip(), source=source,
                                       record_types=sorted(set(record_types)),
                                       prefix=prefix, secret_hash=_digest(key))
        audit_record(action="api_key.create", object_type="api_key", object_id=record.pk,
                     detail={"source": source, "types": record.record_types,
                             "prefix": prefix})
    return IssuedKey(key=key, record=record)


def _key_resolve(model: type[MachineKey], marker: str, key: str) -> Any:
    """The active key of `model` for a presented value "<marker><prefix>_<secret>", or
    None; its last use noted (at most once a minute)."""
    if not key.startswith(marker) or len(key) > 120:
        return None
    prefix = key[len(marker):].partition("_")[0]
    record = model.objects.filter(prefix=prefix, active=True).first()  # type: ignore[attr-defined]
    if record is None or not hmac.compare_digest(record.secret_hash, _digest(key)):
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        model.objects.filter(pk=record.pk).update(last_used_at=now)  # type: ignore[attr-defined]
    return record


def api_key_resolve(*, key: str) -> ApiKey | None:
    """The active ApiKey for a presented X-API-Key value, or None."""
    return _key_resolve(ApiKey, KEY_PREFIX, key)


def api_key_check_type(*, api_key: ApiKey, record_type: str) -> None:
    """Raise a 403 DomainError unless `api_key` may send `record_type`."""
    if not api_key.may_send(record_type):
        allowed = ", ".join(api_key.record_types)
        raise DomainError(
            "record_type_not_allowed",
            f"此接口密钥 ({api_key.source}) 不能发送记录类型 {record_type} (可发送: {allowed})",
            f"this API key ({api_key.source}) may not send record type {record_type} "
            f"(allowed: {allowed})",
            {"type": f"此密钥可发送 / this key may send: {allowed}"},
            403,
        )


@dataclass(frozen=True)
class IssuedReporterKey:
    key: str
    record: ReporterKey


def reporter_key_create(*, name: str, kind: str, uscc: str = "") -> IssuedReporterKey:
    """Create a key for an employer, landlord, property manager or agency (domain.md §5);
    the clear key is returned once. An organisation gives its unified social credit code
    (checked); a landlord may be a person without one. Audited "reporter_key.create"."""
    from points import IdentifierError, parse_uscc

    fields: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 128:
        fields["name"] = "必填, 最多 128 字 / required, at most 128 characters"
    kinds = [k for k, _ in ReporterKey.KINDS]
    if kind not in kinds:
        fields["kind"] = f"应为 / one of: {', '.join(kinds)}"
    code = (uscc or "").strip().upper()
    if code:
        try:
            code = parse_uscc(code)
        except IdentifierError as e:
            fields["uscc"] = f"{e.message} / {e.message_en}"
    elif kind != "landlord":
        fields["uscc"] = "单位须填写统一社会信用代码 / an organisation gives its credit code"
    if fields:
        raise DomainError("invalid_reporter_key", "报告单位信息有误", "invalid reporter data",
                          fields)
    prefix = secrets.token_hex(4)
    key = f"{REPORTER_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        record = ReporterKey.objects.create(name=name, kind=kind, uscc=code, prefix=prefix,
                                            secret_hash=_digest(key))
        audit_record(action="reporter_key.create", object_type="reporter_key",
                     object_id=record.pk, detail={"kind": kind, "prefix": prefix})
    return IssuedReporterKey(key=key, record=record)


def reporter_key_resolve(*, key: str) -> ReporterKey | None:
    """The active ReporterKey for a presented X-Reporter-Key value, or None."""
    return _key_resolve(ReporterKey, REPORTER_PREFIX, key)
