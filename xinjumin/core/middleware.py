"""Request id on every request and response; request size limit with a field-level error;
the shorter middleware chain of API calls (ApiChainMixin, used by xinjumin.wsgi)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.module_loading import import_string

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


# --- The API's shorter middleware chain -----------------------------------------------

def takes_api_chain(request: HttpRequest) -> bool:
    """Whether `request` is an API call without the browser session: /api/ and no session
    cookie (bearer tokens, API keys, the token endpoints). The portal's and back office's
    own API calls carry their session and take the full chain, as every page does."""
    return (request.path_info.startswith(settings.API_MIDDLEWARE_PREFIX)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES)


def api_chain_drift(api: list[str], full: list[str]) -> str | None:
    """What is wrong with `api` as a shorter form of the chain `full` (None: nothing): each
    of its entries must be in `full`, in the same order."""
    at = 0
    for path in api:
        if path not in full:
            return f"{path} is not in MIDDLEWARE"
        index = full.index(path)
        if index < at:
            return f"{path} is out of MIDDLEWARE's order (or twice)"
        at = index + 1
    return None


class ApiChainHandler(BaseHandler):
    """A handler whose chain is settings.API_MIDDLEWARE (synchronous; for WSGI and tests).

    Built the way django.core.handlers.base.BaseHandler.load_middleware builds the chain
    from settings.MIDDLEWARE, for synchronous middleware only. Refuses an API_MIDDLEWARE
    that is not MIDDLEWARE with entries left out (settings derive it so)."""

    def load_middleware(self, is_async: bool = False) -> None:
        if is_async:
            raise ImproperlyConfigured("the API middleware chain is synchronous (WSGI)")
        drift = api_chain_drift(list(settings.API_MIDDLEWARE), list(settings.MIDDLEWARE))
        if drift is not None:
            raise ImproperlyConfigured(f"API_MIDDLEWARE: {drift}")
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.API_MIDDLEWARE):
            factory = import_string(path)
            if not getattr(factory, "sync_capable", True):
                raise ImproperlyConfigured(f"API_MIDDLEWARE: {path} is not synchronous")
            try:
                instance = factory(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class ApiChainMixin:
    """For a handler (WSGIHandler, the test client's ClientHandler): requests that
    takes_api_chain() go through settings.API_MIDDLEWARE, all others through
    settings.MIDDLEWARE as usual.

    The API chain leaves out what only browser pages use: static files (whitenoise),
    sessions, CSRF (the API's session authentication checks it itself, and session calls
    take the full chain), the session user and its TOTP state, messages. It keeps the
    security headers, request id, size limit, locale, Content-Length, X-Frame-Options, the
    audit actor and the lockout answer."""

    _api_chain: ApiChainHandler | None = None

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)  # type: ignore[misc]
        if not is_async:
            api_chain = ApiChainHandler()
            api_chain.load_middleware()
            self._api_chain = api_chain

    def get_response(self, request: HttpRequest) -> HttpResponse:
        if self._api_chain is not None and takes_api_chain(request):
            return self._api_chain.get_response(request)
        return super().get_response(request)  # type: ignore[misc]
