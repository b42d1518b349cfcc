"""The one error format of the API, {code, message, message_en, fields}, for every failure:
domain errors, malformed input, authentication, 403/404/405/409/413 and unexpected errors.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from xinjumin.core.errors import DomainError

logger = logging.getLogger("xinjumin.api")

# Generic error texts by HTTP status, Chinese first.
STATUS_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式不正确", "malformed request"),
    401: ("not_authenticated", "未登录或凭证无效, 请重新登录", "not authenticated: log in again"),
    403: ("forbidden", "无权进行此操作", "you may not do this"),
    404: ("not_found", "对象不存在", "not found"),
    405: ("method_not_allowed", "不支持此请求方法", "method not allowed"),
    409: ("conflict", "请求与已有数据冲突", "conflict with existing data"),
    413: ("request_too_large", "请求内容过大", "request body too large"),
    415: ("unsupported_media_type", "请求内容须为 JSON (Content-Type: application/json)",
          "the request body must be JSON (Content-Type: application/json)"),
    429: ("too_many_requests", "请求过于频繁, 请稍后再试", "too many requests: retry later"),
    500: ("server_error", "服务器内部错误, 请稍后再试; 如仍有问题请提供请求号",
          "internal error: retry later, and quote the request id if it persists"),
}

# pydantic error types → (Chinese, English) field reasons.
_REASONS: dict[str, tuple[str, str]] = {
    "missing": ("必填", "required"),
    "string_too_long": ("过长", "too long"),
    "string_too_short": ("过短", "too short"),
    "string_pattern_mismatch": ("格式不正确", "wrong format"),
    "greater_than_equal": ("数值过小", "too small"),
    "less_than_equal": ("数值过大", "too large"),
    "greater_than": ("数值过小", "too small"),
    "less_than": ("数值过大", "too large"),
    "extra_forbidden": ("不允许的字段", "unknown field"),
    "literal_error": ("取值不在允许范围内", "not an allowed value"),
    "enum": ("取值不在允许范围内", "not an allowed value"),
}


def error_body(code: str, message: str, message_en: str,
               fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "message_en": message_en,
            "fields": fields or {}}


def error_response(status: int, *, code: str | None = None, message: str | None = None,
                   message_en: str | None = None, fields: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> JsonResponse:
    default_code, default_zh, default_en = STATUS_ERRORS.get(status, STATUS_ERRORS[400])
    response = JsonResponse(
        error_body(code or default_code, message or default_zh, message_en or default_en,
                   fields),
        status=status, json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "payload", "phone")` → "phone"; `("query", "page")` → "page"."""
    parts = [str(p) for p in loc]
    if not parts:
        return "body"
    source, rest = parts[0], parts[1:]
    if source == "body" and len(rest) > 1:
        rest = rest[1:]  # drop the body parameter's name
    return ".".join(rest) or source


def field_reason(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind in _REASONS:
        zh, en = _REASONS[kind]
    elif kind.endswith(("_parsing", "_type")) or kind.startswith(("json", "date", "int")):
        zh, en = "格式不正确", "wrong format"
    else:
        zh, en = "取值不正确", str(error.get("msg", "invalid value"))
    return f"{zh} / {en}"


def _domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    retry_after = getattr(exc, "retry_after", None)
    return error_response(exc.status, code=exc.code, message=exc.message,
                          message_en=exc.message_en, fields=dict(exc.fields),
                          headers={"Retry-After": str(retry_after)} if retry_after else None)


def _validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        fields.setdefault(field_name(error.get("loc", ())), field_reason(error))
    return error_response(400, code="invalid_input", message="输入有误, 请检查标出的字段",
                          message_en="invalid input: check the fields listed", fields=fields)


def _authentication_error(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(401, headers={"WWW-Authenticate": 'Bearer realm="xinjumin"'})


def _forbidden(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(403)


def _not_found(request: HttpRequest, exc: Exception) -> JsonResponse:
    return error_response(404)


def _http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    status = exc.status_code
    if status == 403 and "CSRF" in exc.message:
        return error_response(403, code="csrf_failed",
                              message="安全校验失败 (CSRF), 请刷新页面后重试",
                              message_en="CSRF check failed: reload the page and retry")
    return error_response(status if status in STATUS_ERRORS else 400)


def _unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
    rid = getattr(request, "request_id", "")
    logger.error("unexpected error in %s %s (request %s)", request.method, request.path, rid,
                 exc_info=exc)
    return error_response(500)


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the handlers that render every failure in the one error format."""
    api.add_exception_handler(DomainError, _domain_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(AuthenticationError, _authentication_error)
    api.add_exception_handler(AuthorizationError, _forbidden)
    api.add_exception_handler(PermissionDenied, _forbidden)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Exception, _unexpected)
