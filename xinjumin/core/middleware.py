"""Request id on every request and response; request size limit with a field-level error."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

from xinjumin.core.context import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than XJM_MAX_REQUEST_BYTES (uploads: XJM_MAX_UPLOAD_BYTES)
    before reading them, so an oversized request changes nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        is_upload = request.content_type == "multipart/form-data"
        limit = settings.XJM_MAX_UPLOAD_BYTES if is_upload else settings.XJM_MAX_REQUEST_BYTES
        if length > limit:
            return JsonResponse(
                {
                    "code": "request_too_large",
                    "message": f"请求内容过大: {length} 字节, 上限 {limit} 字节",
                    "message_en": f"request body too large: {length} bytes, limit {limit}",
                    "fields": {"body": f"最多 {limit} 字节 / at most {limit} bytes"},
                },
                status=413,
            )
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """zh-hans unless the person chose another language (the set_language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set
    to English would open in English; the platform is Chinese first by decision.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.setdefault("Vary", "Cookie")
        return response
