"""The JSON API: one NinjaAPI at /api/v1 (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs with the Swagger UI files served locally by the "ninja" app; both also with a
trailing slash, redirected, as people type them).

Every answer that is not a success uses the one error format (xinjumin.api.errors), also
for unknown paths (404) and wrong methods (405) under /api/v1/.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import _csrf_needed, render_template

from xinjumin.api.errors import error_response, install_error_handlers
from xinjumin.api.routers import (
    auth,
    cases,
    feeds,
    geo,
    me,
    permits,
    registrations,
    residents,
    sources,
)

DESCRIPTION = """新居民"一件事"平台接口 / API of the New Residents one-stop platform.

认证 / Authentication:
- 居民: POST /auth/sms-code, 然后 POST /auth/resident-token → `Authorization: Bearer <token>`;
  residents: request an SMS code, then exchange it for a bearer token;
- 工作人员: POST /auth/staff-token (用户名 + 密码 + 动态口令) / staff: username + password + TOTP;
- 门户与后台页面可使用浏览器会话 (需 CSRF) / the portal and back office may use their session;
- 部门系统: `X-API-Key` 请求头 / department systems: the `X-API-Key` header.

错误格式 / Errors: `{"code", "message" (中文), "message_en", "fields": {字段: 原因}}`;
每个响应带 `X-Request-ID` / every response carries `X-Request-ID`.
"""


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


# the endpoints that take a file (multipart/form-data), by URL name
_FILE_UPLOADS = frozenset({"case_evidence_add"})


def _file_upload(request: HttpRequest) -> bool:
    match = request.resolver_match
    return (request.content_type == "multipart/form-data" and match is not None
            and match.url_name in _FILE_UPLOADS)


def _errors_for_methods(view: Any) -> Any:
    """405 in the error format; bodies other than JSON refused (415) before anything, or
    anyone (django-axes reads request.POST), tries to parse them."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (request.method in _BODY_METHODS and request.META.get("CONTENT_LENGTH", "0")
                not in ("", "0") and request.content_type != "application/json"
                and not _file_upload(request)):
            return error_response(415, fields={"Content-Type": "application/json"})
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            return error_response(405, fields={"method": f"允许 / allowed: {allowed}"},
                                  headers={"Allow": allowed})
        return response

    return wrapped


@csrf_exempt
def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, message="接口不存在", message_en="no such endpoint")


class XjmNinjaAPI(NinjaAPI):
    def _get_urls(self) -> list[Any]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _errors_for_methods(pattern.callback)
        for name, url in (("openapi-view", self.docs_url), ("openapi-json", self.openapi_url)):
            if url:  # "/docs/" → "/docs" (the catch-all would answer a JSON 404)
                urls.append(path(url.strip("/") + "/", RedirectView.as_view(
                    pattern_name=f"{self.urls_namespace}:{name}", query_string=True)))
        urls.append(re_path(r"^(?P<rest>.*)$", _unknown_path))
        return urls


class XjmSwagger(Swagger):
    """The Swagger UI page, served from local files. Its try-it console (requests sent
    from the page) only where settings.XJM_API_DOCS_TRY_IT allows it (off in production:
    the documentation stays public, the console does not): Swagger UI offers "Try it out"
    for the methods in supportedSubmitMethods, here none. No validator badge (it would
    load an image from another site)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        # ninja's own render_page, with the page's settings built per request (ninja
        # writes them into the shared instance)
        page = {**self.settings, "url": self.get_openapi_url(api, kwargs),
                "validatorUrl": None}
        if not settings.XJM_API_DOCS_TRY_IT:
            page["supportedSubmitMethods"] = []
        context = {"swagger_settings": json.dumps(page, indent=1), "api": api,
                   "add_csrf": _csrf_needed(api)}
        return render_template(request, self.template, self.template_cdn, context)


api = XjmNinjaAPI(title="xinjumin API", version="1", urls_namespace="api",
                  description=DESCRIPTION, docs=XjmSwagger())
install_error_handlers(api)
api.add_router("/auth", auth.router)
api.add_router("/me", me.router)
api.add_router("/residents", residents.router)
api.add_router("/geo", geo.router)
api.add_router("/sources", sources.router)
api.add_router("/feeds", feeds.router)
api.add_router("/cases", cases.router)
api.add_router("/permits", permits.router)
api.add_router("/registrations", registrations.router)
