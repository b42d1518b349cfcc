"""Request id on every request and response; request size limit per URL with a
field-level error; the Content-Security-Policy header; the shorter middleware chain of API
calls (ApiChainMixin, used by xinjumin.wsgi)."""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import Resolver404, resolve
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
    """Refuse a body larger than its URL's limit before Django reads it, so an oversized
    request changes nothing and is never spooled to disk.

    Every URL takes XJM_MAX_REQUEST_BYTES (small: forms and JSON), except the URLs named in
    settings.XJM_BODY_LIMITS (the endpoints that take files), which take the limit of the
    setting named there. A declared Content-Length is checked before anything is read; a
    chunked body (no Content-Length: Django would read none of it) is read here, up to the
    limit and no further, into a spooled file that Django then reads as usual."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def limit_for(self, request: HttpRequest) -> int:
        """The URL's limit, found by its name: only for a request that carries a body (a
        GET or HEAD never does, and the score reads stay free of the look-up)."""
        setting = "XJM_MAX_REQUEST_BYTES"
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = ""
            setting = settings.XJM_BODY_LIMITS.get(name, setting)
        return int(getattr(settings, setting))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = self.limit_for(request)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared:
            try:
                length = int(declared)
            except ValueError:
                length = 0  # Django reads nothing then
            if length > limit:
                return _too_large(limit, length)
        elif _is_chunked(request):
            body = _read_bounded(request.META["wsgi.input"], limit)
            if body is None:
                return _too_large(limit, None)
            size = body.seek(0, io.SEEK_END)
            body.seek(0)
            request.META["CONTENT_LENGTH"] = str(size)
            request._stream = LimitedStream(body, size)  # type: ignore[assignment,arg-type]
        return self.get_response(request)


def _is_chunked(request: HttpRequest) -> bool:
    coding = request.META.get("HTTP_TRANSFER_ENCODING", "")
    return "chunked" in coding.lower() and "wsgi.input" in request.META


_READ_PIECE = 64 * 1024


def _read_bounded(stream: Any, limit: int) -> tempfile.SpooledTemporaryFile[bytes] | None:
    """The body of `stream` in a spooled file (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE),
    or None as soon as it is longer than `limit` (no more of it is read)."""
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    size = 0
    while True:
        piece = stream.read(min(_READ_PIECE, limit + 1 - size))
        if not piece:
            return body
        size += len(piece)
        if size > limit:
            body.close()
            return None
        body.write(piece)


def _too_large(limit: int, length: int | None) -> JsonResponse:
    given = f"{length} 字节" if length is not None else "超过上限"
    given_en = f"{length} bytes" if length is not None else "over the limit"
    return JsonResponse(
        {
            "code": "request_too_large",
            "message": f"请求内容过大: {given}, 上限 {limit} 字节",
            "message_en": f"request body too large: {given_en}, limit {limit}",
            "fields": {"body": f"最多 {limit} 字节 / at most {limit} bytes"},
        },
        status=413,
    )


# django-csp's per-view changes (decorators) and exemptions, as attributes of a response
_CSP_PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                 "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (settings.CONTENT_SECURITY_POLICY), with the header of a
    response that used no nonce and no per-view policy (nearly all: every API answer)
    built once per value of the settings instead of at every response: measured 93 µs
    → 14 µs a response. Any other response (and every response with DEBUG on) takes
    django-csp's own path."""

    _built: tuple[Any, Any, str, str] | None = None

    def process_response(self, request: HttpRequest,
                         response: HttpResponseBase) -> HttpResponseBase:
        if (settings.DEBUG or getattr(request, "_csp_nonce", None) is not None
                or any(hasattr(response, name) for name in _CSP_PER_VIEW)):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        built = self._built
        if built is None or built[0] is not policy or built[1] is not report_only:
            built = self._built = (policy, report_only, build_policy(),
                                   build_policy(report_only=True))
        for header, value, config in ((CSP_HEADER, built[2], policy),
                                      (CSP_HEADER_REPORT_ONLY, built[3], report_only)):
            excluded = tuple((config or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if value and header not in response and not (
                    excluded and request.path_info.startswith(excluded)):
                response[header] = value
        # as django-csp does: a nonce asked for after the header is written is an error
        request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response)
        return response


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
