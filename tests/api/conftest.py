"""Fixed personas for the API tests (the same people as `xjm load_demo`):

- resident 李明华 of 鄞州 330212 (phone 13800000001) with a spouse and a child;
- window clerks of 鄞州 (yinzhou_clerk) and 海曙 330203 (haishu_clerk);
- city_admin, audit_admin, system_admin, security_admin;
- a machine key of HRSS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.client import Client
from xinjumin.accounts.models import User
from xinjumin.api.credentials import api_key_create, api_token_issue
from xinjumin.demo import personas
from xinjumin.demo.load import load_demo
from xinjumin.people.models import Resident
from xinjumin.people.selectors import resident_by_id_number

API = "/api/v1"


@dataclass
class Personas:
    resident: Resident
    spouse: Resident
    child: Resident
    users: dict[str, User]
    hrss_key: str

    def token(self, username: str) -> str:
        user = self.users[username]
        return api_token_issue(user=user, kind="resident" if user.is_resident else "staff").token

    def client(self, username: str | None = None, **extra: Any) -> Client:
        """An HTTP client; with a username, it sends that persona's bearer token."""
        headers = dict(extra)
        if username is not None:
            headers["Authorization"] = f"Bearer {self.token(username)}"
        return Client(headers=headers)


@pytest.fixture
def people(db) -> Personas:  # type: ignore[no-untyped-def]
    load_demo(target=3, records=False)  # the personas only, no department records
    resident = resident_by_id_number(id_number=personas.RESIDENT_ID_NUMBER)
    spouse = resident_by_id_number(id_number=personas.SPOUSE["id_number"])
    child = resident_by_id_number(id_number=personas.CHILD["id_number"])
    assert resident and spouse and child
    users = {u.username: u for u in User.objects.filter(
        username__in=[p.username for p in personas.STAFF])}
    users["resident"] = resident.account
    key = api_key_create(name="HRSS 社保系统", source="HRSS",
                         record_types=["social_insurance_period", "employment"]).key
    return Personas(resident=resident, spouse=spouse, child=child, users=users, hrss_key=key)


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
