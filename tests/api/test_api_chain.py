"""API calls without the browser session take the shorter settings.API_MIDDLEWARE chain
(xinjumin.wsgi, core.middleware.ApiChainMixin); calls with the session take the full one.

The API chain must answer exactly as the full chain does: the same status, body and
headers (security headers, X-Request-ID, Content-Language, Content-Length), the request
size limit, the field-level Chinese-first errors, the audit trail with actor and request
id; and it sets no cookie. The portal's and back office's session calls keep working,
CSRF-checked.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client as FullChainClient  # noqa: TID251 (the chain compared with)
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.api.conftest import API, assert_error
from tests.client import Client, took_api_chain
from xinjumin import settings as project_settings
from xinjumin.audit.context import current_actor
from xinjumin.audit.models import AuditEvent
from xinjumin.core.middleware import ApiChainHandler, ApiChainMixin, api_chain_drift
from xinjumin.wsgi import XjmWSGIHandler, application

# SecurityMiddleware's, on every answer (X-Frame-Options too, unless an early refusal)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                    "Cross-Origin-Opener-Policy": "same-origin"}


def _headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.items() if k != "X-Request-ID"}


def _body(response: Any) -> Any:
    if response["Content-Type"].startswith("application/json"):
        return response.json()
    return response.content


def test_the_api_chain_is_the_full_chain_without_the_browser_only_entries():
    full, api = project_settings.MIDDLEWARE, project_settings.API_MIDDLEWARE
    assert api == [path for path in full if path not in project_settings.BROWSER_ONLY_MIDDLEWARE]
    # a browser-only entry renamed in MIDDLEWARE would otherwise stay in the API chain
    assert project_settings.BROWSER_ONLY_MIDDLEWARE <= set(full)
    assert api_chain_drift(api, full) is None
    assert {"django.middleware.security.SecurityMiddleware",
            "xinjumin.audit.middleware.AuditContextMiddleware",
            "axes.middleware.AxesMiddleware"} <= set(api)


FULL = project_settings.MIDDLEWARE
API_CHAIN = project_settings.API_MIDDLEWARE


@pytest.mark.parametrize(("api", "problem"), [
    ([*API_CHAIN, "xinjumin.core.middleware.NoSuchMiddleware"], "NoSuchMiddleware is not in"),
    ([API_CHAIN[1], API_CHAIN[0], *API_CHAIN[2:]], "out of MIDDLEWARE's order"),
    ([*API_CHAIN[:2], API_CHAIN[1], *API_CHAIN[2:]], "out of MIDDLEWARE's order"),
], ids=["unknown", "swapped", "twice"])
def test_an_api_chain_that_drifted_from_the_full_one_is_refused(settings, api, problem):
    settings.API_MIDDLEWARE = api
    assert api_chain_drift(api, FULL) is not None
    with pytest.raises(ImproperlyConfigured, match=problem):
        ApiChainHandler().load_middleware()


def test_the_production_application_routes_api_calls_to_the_api_chain(world):
    assert isinstance(application, XjmWSGIHandler) and isinstance(application, ApiChainMixin)
    token = world.token("resident_yz")
    environ = RequestFactory().get(f"{API}/me", headers={
        "Authorization": f"Bearer {token}"}).environ
    statuses: list[tuple[str, list[tuple[str, str]]]] = []
    # as the test client does: the test's transaction must not be closed between requests
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, lambda status, headers, exc=None: statuses.append(
            (status, headers)))
        body = b"".join(result)
        result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, headers = statuses[0]
    assert status == "200 OK", body
    names = {name for name, _ in headers}
    assert "Set-Cookie" not in names
    assert {"X-Request-ID", "Content-Length", "X-Frame-Options", *SECURITY_HEADERS} <= names
    assert str(world.adult_yz.pk).encode() in body


STATUS = {"score": 200, "me_english": 200, "no_token": 401, "bad_district": 400,
          "unknown_path": 404, "wrong_method": 405, "not_json": 415, "too_large": 413,
          "staff_read": 200, "staff_wrong_password": 401, "machine_key": 200, "openapi": 200}


@pytest.mark.parametrize("case", list(STATUS))
def test_the_api_chain_answers_as_the_full_chain_does(world, hrss_key, settings, case):
    settings.XJM_MAX_REQUEST_BYTES = 200
    resident = {"Authorization": f"Bearer {world.token('resident_yz')}"}
    clerk = {"Authorization": f"Bearer {world.token('window_yz')}"}
    big = '{"phone": "' + "1" * 300 + '"}'
    requests: dict[str, tuple[str, str, dict[str, Any]]] = {
        "score": ("get", f"{API}/me/score", {"headers": resident}),
        "me_english": ("get", f"{API}/me", {"headers": {**resident,
                                                      "Cookie": "django_language=en"}}),
        "no_token": ("get", f"{API}/me/score", {}),
        "bad_district": ("get", f"{API}/me/score?district=abc", {"headers": resident}),
        "unknown_path": ("get", f"{API}/no-such-thing", {"headers": resident}),
        "wrong_method": ("delete", f"{API}/me/score", {"headers": resident}),
        "not_json": ("post", f"{API}/auth/sms-code",
                     {"data": "phone=1", "content_type": "text/plain"}),
        "too_large": ("post", f"{API}/auth/sms-code",
                      {"data": big, "content_type": "application/json"}),
        "staff_read": ("get", f"{API}/residents/{world.adult_yz.pk}", {"headers": clerk}),
        "staff_wrong_password": ("post", f"{API}/auth/staff-token", {
            "data": {"username": "window_yz", "password": "wrong-password", "totp": "1"},
            "content_type": "application/json"}),
        "machine_key": ("get", f"{API}/sources/me", {"headers": {"X-API-Key": hrss_key}}),
        "openapi": ("get", f"{API}/openapi.json", {}),
    }
    method, path, kwargs = requests[case]
    full = getattr(FullChainClient(), method)(path, **kwargs)
    api = getattr(Client(), method)(path, **kwargs)
    assert not took_api_chain(full) and took_api_chain(api)
    assert api.status_code == full.status_code == STATUS[case], api.content
    assert _body(api) == _body(full)
    assert _headers(api) == _headers(full)
    assert api["X-Request-ID"] and api["X-Request-ID"] != full["X-Request-ID"]
    if api.status_code < 400:  # (a refused request may stop before the session)
        assert hasattr(full.wsgi_request, "session")
        assert not hasattr(api.wsgi_request, "session")  # the chain had no sessions
    for name, value in SECURITY_HEADERS.items():
        assert api[name] == value
    if api.status_code < 400:
        assert int(api["Content-Length"]) == len(api.content)
    assert not api.cookies, api.cookies  # no session, no CSRF cookie


def test_the_api_chain_keeps_the_size_limit_and_field_level_errors(world, settings):
    settings.XJM_MAX_REQUEST_BYTES = 100
    client = Client()
    big = client.post(f"{API}/auth/sms-code", '{"phone": "' + "1" * 200 + '"}',
                      content_type="application/json")
    assert took_api_chain(big)
    body = assert_error(big, 413, "request_too_large")
    assert "body" in body["fields"] and body["message"].startswith("请求内容过大")
    token = world.token("resident_yz")
    bad = client.get(f"{API}/me/score?district=abc&as_of=never",
                     headers={"Authorization": f"Bearer {token}"})
    body = assert_error(bad, 400, "invalid_input")
    assert body["message"] == "输入有误, 请检查标出的字段"
    assert body["fields"] == {"district": "格式不正确 / wrong format",
                              "as_of": "格式不正确 / wrong format"}
    assert bad["Content-Language"] == "zh-hans"


def test_a_staff_read_through_the_api_chain_is_audited_with_actor_and_request_id(world):
    client = Client(headers={
        "Authorization": f"Bearer {world.token('window_yz')}"})
    response = client.get(f"{API}/residents/{world.adult_yz.pk}",
                          headers={"X-Request-ID": "chain-test-0001"})
    assert response.status_code == 200, response.content
    assert took_api_chain(response)
    assert response["X-Request-ID"] == "chain-test-0001"
    event = AuditEvent.objects.filter(action="resident.read").latest("seq")
    assert (event.actor, event.actor_role, event.object_id, event.request_id) == (
        "window_yz", "window_staff", str(world.adult_yz.pk), "chain-test-0001")


def test_session_calls_take_the_full_chain_and_stay_csrf_checked(world):
    resident = Client()
    resident.force_login(world.users["resident_yz"])
    own = resident.get(f"{API}/me/score")
    assert own.status_code == 200, own.content
    assert not took_api_chain(own)
    assert own.json()["resident_id"] == world.adult_yz.pk

    clerk = world.users["window_yz"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=clerk).persistent_id
    session.save()
    listed = client.get(f"{API}/residents")
    assert listed.status_code == 200 and listed.json()["total"] == 3
    assert not took_api_chain(listed)
    payload = {"id_number": "11010519491231002X", "name": "赵四"}
    assert_error(client.post(f"{API}/residents", payload, content_type="application/json"),
                 403, "csrf_failed")
    client.cookies["csrftoken"] = csrf = "x" * 32
    created = client.post(f"{API}/residents", payload, content_type="application/json",
                          headers={"X-CSRFToken": csrf})
    assert created.status_code == 201, created.content


def test_pages_take_the_full_chain(world):
    page = Client().get("/login/")
    assert page.status_code == 200
    assert not took_api_chain(page)
    assert "csrftoken" in page.cookies  # the login form's CSRF cookie, as before


def test_the_actor_of_an_api_call_does_not_outlive_it(world, hrss_key):
    # BearerAuth names the token's user as the audit actor; the chain's audit context
    # resets it, so the next request served by the same thread starts with no actor
    response = Client(headers={
        "Authorization": f"Bearer {world.token('window_yz')}"}).get(f"{API}/residents")
    assert response.status_code == 200 and took_api_chain(response)
    assert current_actor() is None
    machine = Client(headers={"X-API-Key": hrss_key}).get(f"{API}/sources/me")
    assert machine.status_code == 200 and took_api_chain(machine)
    assert current_actor() is None


def test_a_locked_out_staff_login_keeps_its_api_answer(world):
    client = Client()
    payload = {"username": "window_yz", "password": "wrong-password", "totp": "000000"}
    for _ in range(4):
        assert_error(client.post(f"{API}/auth/staff-token", payload,
                                 content_type="application/json"), 401, "login_failed")
    locked = client.post(f"{API}/auth/staff-token", payload, content_type="application/json")
    assert took_api_chain(locked)
    assert_error(locked, 403, "locked_out")
