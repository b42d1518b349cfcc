"""Shared parts of the API tests: the prefix, a department's API key, the error format.

The personas are the suite's (`world`, tests/personas.py); the demo data of `make run` are
tested as such in test_demo.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from xinjumin.api.credentials import api_key_create

API = "/api/v1"


@pytest.fixture
def hrss_key(db: None) -> str:
    """A machine key of HRSS (社保) for its record types."""
    return api_key_create(name="HRSS 社保系统", source="HRSS",
                          record_types=["social_insurance_period", "employment"]).key


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is `status` in the one error format; returns the body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "message_en", "fields"}, body
    assert body["message"] and body["message_en"]
    assert isinstance(body["fields"], dict)
    if code is not None:
        assert body["code"] == code, body
    assert response["X-Request-ID"]
    return body
