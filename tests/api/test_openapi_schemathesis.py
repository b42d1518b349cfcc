"""Property-based checks of the whole API from its own OpenAPI document (schemathesis,
through the WSGI app, no network): no endpoint answers 500, and every answer (status code,
content type, body) conforms to the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xinjumin.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def wsgi_in_test_transaction():  # type: ignore[no-untyped-def]
    """The raw WSGI handler closes "old" connections around each request, which on
    PostgreSQL closes the test's transaction; Django's test client disconnects the same
    signal handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection time through the WSGI app (the schema needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def _headers(world, hrss_key: str, path: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Credentials that reach each endpoint's logic (not only its 401)."""
    if path.startswith(("/api/v1/sources", "/api/v1/feeds")):
        return {"X-API-Key": hrss_key}
    if path.startswith("/api/v1/me"):
        return {"Authorization": f"Bearer {world.token('resident_yz')}"}
    return {"Authorization": f"Bearer {world.token('window_yz')}"}


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, world, hrss_key, settings,  # type: ignore[no-untyped-def]
                                    wsgi_in_test_transaction):
    # Until the lead adds it to settings.py (see the API report).
    settings.AXES_LOCKOUT_CALLABLE = "xinjumin.backoffice.lockout.axes_lockout_response"
    case.call_and_validate(headers=_headers(world, hrss_key, case.path), checks=CHECKS)
