"""The one error format for 404/405/413/500, the request id, and the local docs page."""

from __future__ import annotations

import json
import logging
import re

from django.test import RequestFactory

from tests.api.conftest import API, assert_error
from tests.client import Client
from xinjumin.api.api import api
from xinjumin.people.models import Resident


def test_oversized_body_is_413_in_the_error_format_and_writes_nothing(world, settings):
    settings.XJM_MAX_REQUEST_BYTES = 2_000
    payload = json.dumps({"id_number": "11010519491231002X", "name": "赵" * 3_000})
    before = Resident.objects.count()
    response = world.client("window_yz").post(f"{API}/residents", payload,
                                                    content_type="application/json")
    body = assert_error(response, 413, "request_too_large")
    assert "body" in body["fields"]
    assert Resident.objects.count() == before


def test_unknown_path_and_wrong_method(db):
    assert_error(Client().get(f"{API}/no-such-thing"), 404, "not_found")
    wrong = Client().delete(f"{API}/geo/districts")
    body = assert_error(wrong, 405, "method_not_allowed")
    assert wrong["Allow"] == "GET"
    assert "GET" in body["fields"]["method"]


def test_request_id_is_echoed_when_safe_and_made_up_otherwise(db):
    echoed = Client(headers={"X-Request-ID": "trace-12345678"}).get(f"{API}/geo/districts")
    assert echoed["X-Request-ID"] == "trace-12345678"
    made_up = Client(headers={"X-Request-ID": "<script>"}).get(f"{API}/geo/districts")
    assert re.fullmatch(r"[0-9a-f]{32}", made_up["X-Request-ID"])


def test_unexpected_error_is_a_generic_500_logged_with_the_request_id(caplog):
    request = RequestFactory().get(f"{API}/geo/districts")
    request.request_id = "req-abcdef12"
    with caplog.at_level(logging.ERROR, logger="xinjumin.api"):
        response = api.on_exception(request, RuntimeError("secret internals"))
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["code"] == "server_error" and body["fields"] == {}
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "req-abcdef12" in caplog.text and "secret internals" in caplog.text


def test_districts_are_public_reference_data(db):
    response = Client().get(f"{API}/geo/districts")
    assert response.status_code == 200
    districts = {d["code"]: d for d in response.json()}
    assert len(districts) == 10
    yinzhou = districts["330212"]
    assert yinzhou["name"] == "鄞州区"
    assert {"code": "330212001", "name": "下应街道"} in yinzhou["streets"]


def test_docs_page_uses_local_assets_only(db):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    for marker in ("cdn", "unpkg", "jsdelivr", "googleapis"):
        assert marker not in html.lower()
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        served = Client().get(asset)
        assert served.status_code == 200, asset
        content = b"".join(served.streaming_content) if served.streaming else served.content
        assert len(content) > 100, asset


def test_openapi_documents_errors_and_auth_in_both_languages(db):
    schema = Client().get(f"{API}/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) >= {"BearerAuth", "SessionAuth",
                                                            "ApiKeyAuth"}
    operation = schema["paths"]["/api/v1/residents"]["post"]
    assert {"201", "400", "401", "403", "409"} <= set(operation["responses"])
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"code", "message", "message_en", "fields"}
    resident = schema["components"]["schemas"]["ResidentOut"]["properties"]
    for name, prop in resident.items():
        description = prop.get("description", "")
        assert re.search(r"[\u4e00-\u9fff]", description) and re.search(r"[a-z]", description), name


def test_non_json_body_is_415_before_anything_reads_it(world):
    before = Resident.objects.count()
    response = world.client("window_yz").post(
        f"{API}/residents", "id_number=11010519491231002X&name=x",
        content_type="application/x-www-form-urlencoded")
    body = assert_error(response, 415, "unsupported_media_type")
    assert body["fields"] == {"Content-Type": "application/json"}
    assert Resident.objects.count() == before


def test_control_characters_are_a_field_error_not_a_database_error(world):
    """A NUL cannot be stored by PostgreSQL: refused as bad input on every database."""
    listed = world.client("window_yz").post(f"{API}/residents/search", {"q": "李\x00"},
                                            content_type="application/json")
    fields = assert_error(listed, 400, "invalid_input")["fields"]
    assert fields == {"q": "格式不正确 / wrong format"}
    login = Client().post(f"{API}/auth/staff-token",
                          {"username": "yinzhou_clerk\x00", "password": "x", "totp": "123456"},
                          content_type="application/json")
    assert "username" in assert_error(login, 400, "invalid_input")["fields"]


def test_docs_and_schema_with_a_trailing_slash_redirect_to_them(db):
    for typed, target in ((f"{API}/docs/", f"{API}/docs"),
                          (f"{API}/openapi.json/", f"{API}/openapi.json")):
        response = Client().get(typed)
        assert response.status_code == 302, typed
        assert response["Location"] == target
    followed = Client().get(f"{API}/docs/", follow=True)
    assert followed.status_code == 200 and "swagger-ui-bundle.js" in followed.content.decode()
    schema = Client().get(f"{API}/openapi.json/", follow=True)
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "xinjumin API"
    # anything else under /api/v1/ stays a 404 in the error format
    assert_error(Client().get(f"{API}/docs/extra"), 404, "not_found")


def test_docs_are_linked_from_the_portal_the_back_office_and_the_readme(db):
    from pathlib import Path

    link = f'href="{API}/docs"'
    assert link in Client().get("/login/").content.decode()  # the portal's footer
    assert link in Client().get("/staff/login/").content.decode()  # the back office's
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "/api/v1/docs" in readme
