"""Issue #11, points 5 and 6 (web side): each test fails if its hole reopens.

- Logs without personal data: the web server's access log (gunicorn, as `xjm serve` runs
  it) masks ID and phone numbers, percent-encoded ones too; runserver's request lines too;
  identifiers never travel in URLs (the API's search takes a body, the back office's
  search form posts, no operation of the API takes one as a query parameter).
- A Content-Security-Policy on every response (nothing from other origins, no inline
  script without the nonce, no eval, no inline style); the templates keep to it (no
  inline script or style, htmx without eval). In Chromium: tests/browser/test_csp.py.
- CSV exports neutralise the cells a spreadsheet would run; numbers stay numbers.
- The API docs' try-it console is off where XJM_API_DOCS_TRY_IT is (production).
- Request bodies are limited per URL: small everywhere but the two endpoints that take
  files, refused from Content-Length before a byte is read, chunked ones while reading.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import RequestFactory

from tests.api.conftest import API, assert_error
from tests.client import Client
from tests.personas import ADULT_YZ_ID, ADULT_YZ_PHONE, World, staff_client
from tests.security.api_schema import wsgi_in_test_transaction  # noqa: F401 (fixture)
from xinjumin.accounts.services import staff_create, staff_totp_device_create
from xinjumin.audit.models import AuditEvent
from xinjumin.core.logging import MaskPersonalDataFilter, mask_url_text
from xinjumin.core.middleware import ContentSecurityPolicyMiddleware
from xinjumin.core.spreadsheet import FORMULA_STARTS, spreadsheet_cell, spreadsheet_row
from xinjumin.records.models import ImportBatch

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATES = REPOSITORY / "xinjumin" / "templates"


# --- Logs -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, **headers: str) -> None:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http, loopback)
    try:
        urllib.request.urlopen(request, timeout=10).read()  # noqa: S310
    except urllib.error.HTTPError as error:
        error.read()


@pytest.mark.slow
def test_the_web_servers_access_log_masks_id_and_phone_numbers(tmp_path):
    """gunicorn with the logger class `xjm serve` gives it: an ID number in a query, a phone
    number percent-encoded with its country code, and both in a Referer."""
    from xinjumin.core.management.commands import serve

    assert "xinjumin.core.access_log.MaskingLogger" in inspect.getsource(serve.Command.handle)
    port, log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "XJM_ENV": "test", "DJANGO_SETTINGS_MODULE": "xinjumin.settings"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "xinjumin.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log),
         "--logger-class", "xinjumin.core.access_log.MaskingLogger"],
        cwd=REPOSITORY, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                _get(f"{base}/api/v1/geo/districts")
                break
            except OSError:
                time.sleep(0.1)
        _get(f"{base}/api/v1/residents?q={ADULT_YZ_ID}")
        _get(f"{base}/api/v1/residents?q=%2B86+{ADULT_YZ_PHONE}")
        _get(f"{base}/staff/?id={ADULT_YZ_ID.lower()}",
             Referer=f"{base}/x?phone=0086{ADULT_YZ_PHONE}&id={ADULT_YZ_ID}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = log.read_text()
    assert text.count("\n") >= 4, text
    assert ADULT_YZ_ID not in text and ADULT_YZ_ID.lower() not in text
    assert ADULT_YZ_PHONE not in text
    assert ADULT_YZ_PHONE[3:] not in text and ADULT_YZ_ID[6:14] not in text
    assert f"{ADULT_YZ_ID[:4]}**********{ADULT_YZ_ID[-4:]}" in text
    assert f"{ADULT_YZ_PHONE[:3]}****{ADULT_YZ_PHONE[-4:]}" in text


def test_runservers_request_lines_are_masked_too():
    handlers = [h for h in logging.getLogger("django.server").handlers
                if type(h) is logging.StreamHandler]  # (not pytest's own)
    assert handlers and all(
        any(isinstance(f, MaskPersonalDataFilter) for f in h.filters) for h in handlers)
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET /api/v1/residents?q=%2B86{ADULT_YZ_PHONE} HTTP/1.1",
                                "401", "90"), None)
    for handler in handlers:
        assert handler.filter(record)
    assert ADULT_YZ_PHONE not in record.getMessage()


def test_masking_leaves_text_without_numbers_exactly_as_it_was():
    line = 'GET /api/v1/geo/districts?name=%E6%B5%B7%E6%9B%99&page=2 HTTP/1.1'
    assert mask_url_text(line) == line
    assert mask_url_text(f"q={ADULT_YZ_ID}") == f"q={ADULT_YZ_ID[:4]}**********{ADULT_YZ_ID[-4:]}"


# --- Identifiers never in URLs ---------------------------------------------------------

def test_the_api_search_takes_its_terms_in_the_body_never_in_the_url(world):
    clerk = world.client("window_yz")
    found = clerk.post(f"{API}/residents/search", {"q": ADULT_YZ_ID},
                       content_type="application/json")
    assert found.status_code == 200
    assert [r["id"] for r in found.json()["items"]] == [world.adult_yz.pk]
    by_phone = clerk.post(f"{API}/residents/search", {"q": ADULT_YZ_PHONE},
                          content_type="application/json")
    assert [r["id"] for r in by_phone.json()["items"]] == [world.adult_yz.pk]
    searches = AuditEvent.objects.filter(action="resident.search").count()
    in_url = clerk.get(f"{API}/residents", {"q": ADULT_YZ_ID})
    body = assert_error(in_url, 400, "invalid_input")
    assert "POST /residents/search" in body["fields"]["q"]
    assert AuditEvent.objects.filter(action="resident.search").count() == searches


IDENTIFYING = re.compile(r"^(q|id|id_number|idno|phone|mobile|search|term|name)$", re.I)


def test_no_api_operation_takes_an_identifier_in_its_query_string():
    from xinjumin.api.api import api

    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    in_query = [(method, path, p["name"]) for path, item in paths.items()
                for method, op in item.items() if isinstance(op, dict)
                for p in op.get("parameters", ()) if p.get("in") == "query"
                and IDENTIFYING.match(p["name"])]
    assert not in_query, in_query
    search = paths["/api/v1/residents/search"]["post"]
    assert "requestBody" in search


def test_the_back_office_search_form_posts_its_terms(world: World):
    client = staff_client(world.users["window_yz"])
    html = client.get("/staff/residents/").content.decode()
    form = re.search(r'<form[^>]*id="search-form"[^>]*>', html, re.S)
    assert form is not None and 'method="post"' in form.group(0)
    assert "hx-get" not in html and 'name="csrfmiddlewaretoken"' in html
    found = client.post("/staff/residents/", {"q": ADULT_YZ_ID}).content.decode()
    assert "张伟明" in found and world.adult_yz.masked_id_number in found
    ignored = client.get("/staff/residents/", {"q": "no such name"}).content.decode()
    assert "张伟明" in ignored  # a term in the URL is no search


# --- Content-Security-Policy ------------------------------------------------------------

def _directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


PAGES = ["/", "/login/", "/staff/login/", "/admin/login/", f"{API}/docs",
         f"{API}/openapi.json", f"{API}/geo/districts", "/no-such-page/", "/staff/nothing/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_policy(db, path):
    response = Client().get(path)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src", "img-src", "connect-src", "font-src"):
        sources = policy[directive]
        assert "'self'" in sources
        assert not [s for s in sources if "unsafe" in s or "://" in s or s in ("*", "https:")]
        assert set(sources) <= {"'self'", "data:"} | {s for s in sources if s.startswith(
            "'nonce-")}, (directive, sources)
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]


def test_an_inline_script_runs_only_with_the_nonce_of_its_response(db):
    page = Template('<script nonce="{{ CSP_NONCE }}">go()</script>')

    def view(request: Any) -> HttpResponse:
        return HttpResponse(page.render(RequestContext(request)))

    middleware = ContentSecurityPolicyMiddleware(view)
    first = middleware(RequestFactory().get("/"))
    second = middleware(RequestFactory().get("/"))
    nonces = [re.search(r'nonce="([^"]+)"', r.content.decode()).group(1)  # type: ignore[union-attr]
              for r in (first, second)]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16
    for response, nonce in zip((first, second), nonces, strict=True):
        assert f"'nonce-{nonce}'" in _directives(response["Content-Security-Policy"])[
            "script-src"]
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("x"))(
        RequestFactory().get("/"))  # no nonce used: none in the header
    assert "nonce-" not in plain["Content-Security-Policy"]


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_have_no_inline_script_style_or_eval():
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'nonce="{{ CSP_NONCE }}"' not in tag \
                    and 'type="application/json"' not in tag:
                problems.append(f"{name}: inline script without the nonce: {tag}")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            problems.append(f"{name}: inline style (the policy refuses it: use a class)")
        if re.search(r"\shx-on|\son[a-z]+\s*=|js:|javascript:", text):
            problems.append(f"{name}: an inline handler or js: value (needs eval)")
        for trigger in re.findall(r'hx-trigger="([^"]*)"', text):
            if "[" in trigger:
                problems.append(f"{name}: an hx-trigger filter (htmx evaluates it)")
    assert not problems, problems


def test_htmx_runs_without_eval_or_injected_styles(db):
    html = Client().get("/login/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert meta is not None
    config = json.loads(meta.group(1))
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False


# --- Spreadsheet exports ----------------------------------------------------------------

@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_text_a_spreadsheet_would_run_is_quoted(start):
    assert spreadsheet_cell(f"{start}HYPERLINK(\"http://x\")") == f"'{start}HYPERLINK(\"http://x\")"


def test_numbers_stay_numbers_and_plain_text_stays_as_it_is():
    from decimal import Decimal

    assert spreadsheet_row([-3, 2.5, Decimal("-1.20"), None, True, "张伟明", "RR-1", "a=b"]) == [
        -3, 2.5, Decimal("-1.20"), None, True, "张伟明", "RR-1", "a=b"]
    assert set("=+-@\t\r＝＋－＠") == {s[0] for s in FORMULA_STARTS}


def test_the_error_report_csv_neutralises_formulas_from_the_uploaded_file(
        world, tmp_path, django_capture_on_commit_callbacks):
    user = staff_create(username="city.csv", password="Csv-Admin-2026!x", role="city_admin")
    staff_totp_device_create(user=user)
    client = staff_client(user)
    evil = ['=HYPERLINK("http://evil.example/","x")', "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1+1", "-2+3", "＝1+1", "\t=1"]
    rows = [{"source": "PSB", "type": "residence_registration", "record_id": rid,
             "version": 1, "id_number": "341221199001010130", "district": "330212",
             "arrived_on": "2025-03-01", "registered_on": "2025-03-02"} for rid in evil]
    rows.append({"source": "PSB", "type": "residence_registration", "record_id": "RR-X",
                 "version": 1, "id_number": ADULT_YZ_ID, "district": "330212",
                 "arrived_on": "2025-03-01", "registered_on": "2025-03-02", "=1+2": "x"})
    feed = tmp_path / "evil.jsonl"
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    with feed.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        assert client.post("/staff/feeds/upload/", {"file": f}).status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.rejected == len(rows)
    body = client.get(f"/staff/feeds/batches/{batch.pk}/errors.csv").content.decode()
    table = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    cells = [cell for row in table[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)], cells
    assert {f"'{rid}" for rid in evil if rid[0] != "\t"} <= {row[1] for row in table[1:]}
    assert "'=1+2" in {row[2] for row in table[1:]}
    assert all(row[0].isdigit() for row in table[1:])  # row numbers stay numbers


# --- API docs ---------------------------------------------------------------------------

def _swagger_settings(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>',
                      html, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_the_api_docs_are_public_and_their_try_it_console_follows_the_setting(db):
    settings.XJM_API_DOCS_TRY_IT = False
    try:
        off = Client().get(f"{API}/docs")
        assert off.status_code == 200
        page = _swagger_settings(off.content.decode())
        assert page["supportedSubmitMethods"] == [] and page["validatorUrl"] is None
        assert page["url"] == f"{API}/openapi.json"
    finally:
        settings.XJM_API_DOCS_TRY_IT = True
    on = _swagger_settings(Client().get(f"{API}/docs").content.decode())
    assert "supportedSubmitMethods" not in on


# --- Request size limits per URL ---------------------------------------------------------

class _Input(io.BytesIO):
    """The body as the server hands it to the application; counts what was read."""


def _wsgi(path: str, body: bytes, *, length: int | None, content_type: str,
          chunked: bool = False) -> tuple[int, bytes, _Input]:
    from xinjumin.wsgi import application

    stream = _Input(body)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": content_type, "wsgi.input": stream,
        "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    status: list[str] = []
    chunks = application(environ, lambda s, h, *a: status.append(s))
    content = b"".join(chunks)
    return int(status[0].split()[0]), content, stream


MULTIPART = "multipart/form-data; boundary=xjm"


def _multipart(size: int) -> bytes:
    return (b'--xjm\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + b"x" * size + b"\r\n--xjm--\r\n")


@pytest.mark.usefixtures("wsgi_in_test_transaction")
def test_a_huge_declared_body_to_the_login_is_refused_before_a_byte_is_read(db):
    status, content, stream = _wsgi("/login/", _multipart(1000), length=150_000_000,
                                    content_type=MULTIPART)
    assert status == 413 and stream.tell() == 0
    assert json.loads(content)["code"] == "request_too_large"


@pytest.mark.parametrize("path", ["/login/", "/staff/login/", "/admin/login/",
                                  f"{API}/auth/sms-code", f"{API}/residents/search"])
@pytest.mark.usefixtures("wsgi_in_test_transaction")
def test_every_url_but_the_file_endpoints_takes_a_small_body(db, path):
    body = _multipart(settings.XJM_MAX_REQUEST_BYTES)  # an upload is no exception any more
    status, _content, stream = _wsgi(path, body, length=len(body), content_type=MULTIPART)
    assert status == 413 and stream.tell() == 0
    assert settings.XJM_MAX_REQUEST_BYTES <= 64 * 1024


@pytest.mark.parametrize(("path", "setting"), [
    ("/staff/feeds/upload/", "XJM_MAX_UPLOAD_BYTES"),
    (f"{API}/feeds/records", "XJM_MAX_FEED_BATCH_BYTES"),
])
@pytest.mark.usefixtures("wsgi_in_test_transaction")
def test_the_file_endpoints_take_their_own_larger_limit(db, path, setting):
    body = _multipart(200 * 1024)
    status, _content, _stream = _wsgi(path, body, length=len(body), content_type=MULTIPART)
    assert status != 413  # refused for other reasons (no login, no key, not JSON)
    limit = getattr(settings, setting)
    status, _content, stream = _wsgi(path, body, length=limit + 1, content_type=MULTIPART)
    assert status == 413 and stream.tell() == 0


@pytest.mark.usefixtures("wsgi_in_test_transaction")
def test_a_chunked_body_is_cut_off_at_the_limit_while_reading(db):
    limit = settings.XJM_MAX_REQUEST_BYTES
    body = _multipart(10 * limit)
    status, content, stream = _wsgi("/login/", body, length=None, content_type=MULTIPART,
                                    chunked=True)
    assert status == 413 and json.loads(content)["code"] == "request_too_large"
    assert stream.tell() <= limit + 1  # read up to the limit, no further


@pytest.mark.usefixtures("wsgi_in_test_transaction")
def test_a_chunked_body_within_the_limit_is_read_as_usual(world):
    body = json.dumps({"username": "window_yz", "password": "wrong-password-1",
                       "totp": "123456"}).encode()
    status, content, _stream = _wsgi(f"{API}/auth/staff-token", body, length=None,
                                     content_type="application/json", chunked=True)
    assert status == 401, content  # the credentials were read (an empty body is a 400)
