"""The three ways to call the API.

- people with a bearer token (`Authorization: Bearer xjt_...`) from /auth/resident-token
  or /auth/staff-token;
- people with the Django session of the portal or back office (htmx), CSRF-checked;
- department systems with an API key (`X-API-Key: xjk_...`), which reach no personal data.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer

from xinjumin.accounts.access import access_refused
from xinjumin.accounts.roles import Role, role_can
from xinjumin.api.credentials import (
    api_key_check_type,
    api_key_resolve,
    api_token_resolve,
    reporter_key_resolve,
)
from xinjumin.api.models import ApiKey
from xinjumin.audit.context import set_actor
from xinjumin.core.errors import DomainError


class BearerAuth(HttpBearer):
    """A bearer token issued by this API (8 hours, revocable)."""

    openapi_description = "令牌 / bearer token from /auth/resident-token or /auth/staff-token"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        record = api_token_resolve(token=token)
        if record is None:
            return None
        request.user = record.user  # type: ignore[attr-defined]
        request.api_token = record  # type: ignore[attr-defined]
        set_actor(record.user)  # audit events written while serving name this user
        return record.user


class SessionAuth(APIKeyCookie):
    """The Django session of the portal / back office; unsafe methods need the CSRF token.

    Staff sessions count only once the second factor (TOTP) was verified at login.
    """

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "浏览器会话 (需 CSRF) / browser session (CSRF-checked)"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if user.role != Role.RESIDENT and not _otp_verified(user):
            return None
        return user


def _otp_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


class ApiKeyAuth(APIKeyHeader):
    """A department system's API key (`xjm apikey create`)."""

    param_name = "X-API-Key"
    openapi_description = "部门系统接口密钥 / department system API key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        if not key:
            return None
        record = api_key_resolve(key=key)
        if record is not None:
            set_actor(f"apikey:{record.prefix}")
        return record


class ReporterKeyAuth(APIKeyHeader):
    """An employer's, landlord's, property manager's or agency's key (`xjm apikey
    create-reporter`): it may only report people (POST /registrations/reports)."""

    param_name = "X-Reporter-Key"
    openapi_description = "报告单位接口密钥 / reporter (employer, landlord, agency) key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        record = reporter_key_resolve(key=key)
        if record is not None:
            set_actor(f"reporter:{record.prefix}")
        return record


# People (residents and staff): token or session.
PERSON_AUTH = [BearerAuth(), SessionAuth()]
MACHINE_AUTH = [ApiKeyAuth()]


def require_record_type(request: HttpRequest, record_type: str) -> ApiKey:
    """The calling API key, if it may send `record_type`; else a 403 in the error format.

    For endpoints authenticated with MACHINE_AUTH (feed ingestion, issue #4).
    """
    api_key = getattr(request, "auth", None)
    if not isinstance(api_key, ApiKey):
        raise DomainError("forbidden", "只有部门系统接口密钥可以发送数据记录",
                          "only a department system API key may send records", {}, 403)
    api_key_check_type(api_key=api_key, record_type=record_type)
    return api_key


def require_power(user: Any, power: str) -> None:
    """403 in the error format unless the user's role has `power` (accounts.roles); the
    refusal is audited ("resident.read_refused", reason "power", the power as purpose)."""
    if not (user.is_active and role_can(user.role, power)):
        access_refused(user=user, purpose=power, reason="power")
        raise DomainError("forbidden", "您的角色无权进行此操作",
                          "your role may not do this", {}, 403)


def require_resident(user: Any) -> None:
    """403 in the error format unless the user is a resident; the refusal is audited like
    the one door's refusal of someone's own record ("resident.read_refused", "own")."""
    if user.role != Role.RESIDENT:
        access_refused(user=user, purpose="own", reason="own")
        raise DomainError("forbidden", "此接口仅供新居民本人使用",
                          "this endpoint is for residents only", {}, 403)
