"""The API's authorization matrix, over every operation of its OpenAPI document.

For each operation and each persona of tests/personas.py — the resident (张伟明, 鄞州), the
other resident (李海燕, 海曙), the clerk of 鄞州, the clerk of 海曙, a data source (HRSS's API
key) and anonymous — the answer is the one in MATRIX: the refusal (401 without a credential
the operation takes, 403 for a role without the power, 404 outside the scope, whether or
not the resident exists), or a success whose body stays in the persona's scope. An
operation added to the API and not to MATRIX fails test_every_operation_is_in_the_matrix,
so a new endpoint is covered from its first commit. Each refused read of a person (403/404)
is audited ("resident.read_refused"; tests/api/test_refused_reads.py checks its content).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import API, hrss_key  # noqa: F401 (fixture)
from tests.client import Client
from tests.personas import ADULT_YZ_ID, HAISHU, NOBODY_ID, YINZHOU, World
from tests.security.api_schema import operations
from xinjumin.audit.models import AuditEvent
from xinjumin.cases.evidence import evidence_add
from xinjumin.cases.models import Case
from xinjumin.cases.services import case_submit
from xinjumin.registrations.services import registration_report

RESIDENT, OTHER_RESIDENT = "resident_yz", "resident_hs"
CLERK_YZ, CLERK_HS = "window_yz", "window_hs"
SOURCE, ANONYMOUS = "source", "anonymous"
PERSONAS = (RESIDENT, OTHER_RESIDENT, CLERK_YZ, CLERK_HS, SOURCE, ANONYMOUS)
PEOPLE = (RESIDENT, OTHER_RESIDENT, CLERK_YZ, CLERK_HS)
DISTRICT = {RESIDENT: YINZHOU, OTHER_RESIDENT: HAISHU, CLERK_YZ: YINZHOU, CLERK_HS: HAISHU}


def _all(status: int, **others: int) -> dict[str, int]:
    return {p: others.get(p, status) for p in PERSONAS}


def _people_only(**statuses: int) -> dict[str, int]:
    """An operation of PERSON_AUTH: a data source's key and no credential are 401."""
    return {SOURCE: 401, ANONYMOUS: 401, **statuses}


# The target of every /residents/{resident_id} operation is 张伟明 (鄞州): his own record,
# in the 鄞州 clerk's scope, outside the 海曙 clerk's and the other resident's.
ONE_RESIDENT = _people_only(**{RESIDENT: 200, OTHER_RESIDENT: 404, CLERK_YZ: 200,
                               CLERK_HS: 404})
STAFF_READ = _people_only(**{RESIDENT: 403, OTHER_RESIDENT: 403, CLERK_YZ: 200,
                             CLERK_HS: 404})
PDF = b"%PDF-1.7\n%%EOF\n"
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("post", "/auth/logout"): _people_only(**dict.fromkeys(PEOPLE, 204)),
    # the public login steps: the caller's credential changes nothing (an empty body)
    ("post", "/auth/resident-token"): _all(400),
    ("post", "/auth/sms-code"): _all(400),
    ("post", "/auth/staff-token"): _all(400),
    ("post", "/feeds/records"): _all(401, **{SOURCE: 200}),
    ("get", "/geo/districts"): _all(200),
    ("get", "/me"): _people_only(**{RESIDENT: 200, OTHER_RESIDENT: 200, CLERK_YZ: 403,
                                    CLERK_HS: 403}),
    ("get", "/me/score"): _people_only(**{RESIDENT: 200, OTHER_RESIDENT: 200,
                                          CLERK_YZ: 403, CLERK_HS: 403}),
    ("get", "/residents"): _people_only(**{RESIDENT: 403, OTHER_RESIDENT: 403, CLERK_YZ: 200,
                                           CLERK_HS: 200}),
    ("post", "/residents/search"): _people_only(**{RESIDENT: 403, OTHER_RESIDENT: 403,
                                                   CLERK_YZ: 200, CLERK_HS: 200}),
    # registering someone in 鄞州: only 鄞州's window
    ("post", "/residents"): _people_only(**{RESIDENT: 403, OTHER_RESIDENT: 403,
                                            CLERK_YZ: 201, CLERK_HS: 403}),
    ("get", "/residents/{resident_id}"): ONE_RESIDENT,
    ("get", "/residents/{resident_id}/id-number"): ONE_RESIDENT,
    ("get", "/residents/{resident_id}/records"): STAFF_READ,
    ("get", "/residents/{resident_id}/score"): STAFF_READ,
    ("get", "/sources/me"): _all(401, **{SOURCE: 200}),
    # cases: the target is a case of 张伟明; a clerk of his district may read it and act
    # for him (withdraw, assisted)
    ("post", "/cases/me"): _people_only(**{RESIDENT: 201, OTHER_RESIDENT: 201, CLERK_YZ: 403,
                                           CLERK_HS: 403}),
    ("get", "/cases/me"): _people_only(**{RESIDENT: 200, OTHER_RESIDENT: 200, CLERK_YZ: 403,
                                          CLERK_HS: 403}),
    ("get", "/cases/queue"): _people_only(**{RESIDENT: 403, OTHER_RESIDENT: 403,
                                             CLERK_YZ: 200, CLERK_HS: 200}),
    ("get", "/cases/{case_id}"): ONE_RESIDENT,
    ("post", "/cases/{case_id}/act"): ONE_RESIDENT,
    # a file on his case: added by him or the clerk acting for him, opened in scope only
    ("post", "/cases/{case_id}/evidence"): _people_only(
        **{RESIDENT: 201, OTHER_RESIDENT: 404, CLERK_YZ: 201, CLERK_HS: 404}),
    ("get", "/cases/{case_id}/evidence/{evidence_id}"): ONE_RESIDENT,
    # permits of 张伟明, who has no department records here: applying and endorsing are
    # refused on their merits (400) to whoever may act for him
    ("get", "/permits/me"): _people_only(**{RESIDENT: 200, OTHER_RESIDENT: 200,
                                            CLERK_YZ: 403, CLERK_HS: 403}),
    ("get", "/permits/residents/{resident_id}"): ONE_RESIDENT,
    ("post", "/permits/residents/{resident_id}/apply"): _people_only(
        **{RESIDENT: 400, OTHER_RESIDENT: 404, CLERK_YZ: 400, CLERK_HS: 404}),
    ("post", "/permits/residents/{resident_id}/endorse"): _people_only(
        **{RESIDENT: 400, OTHER_RESIDENT: 404, CLERK_YZ: 400, CLERK_HS: 404}),
    # registrations: the target is a report of 张伟明 (pending); he has no registration in
    # force, so a change or a deregistration is refused on its merits (400)
    ("get", "/geo/complexes"): _all(200),
    ("get", "/geo/complexes/{code}"): _all(200),
    ("get", "/registrations/me"): _people_only(**{RESIDENT: 200, OTHER_RESIDENT: 200,
                                                  CLERK_YZ: 403, CLERK_HS: 403}),
    ("get", "/registrations/{registration_id}"): ONE_RESIDENT,
    ("post", "/registrations/{registration_id}/confirm"): ONE_RESIDENT,
    ("post", "/registrations/{registration_id}/reject"): ONE_RESIDENT,
    # (a clerk must name the identity document checked: this body has none)
    ("post", "/registrations/residents/{resident_id}/declare"): _people_only(
        **{RESIDENT: 201, OTHER_RESIDENT: 404, CLERK_YZ: 400, CLERK_HS: 404}),
    ("post", "/registrations/residents/{resident_id}/change"): _people_only(
        **{RESIDENT: 400, OTHER_RESIDENT: 404, CLERK_YZ: 400, CLERK_HS: 404}),
    ("post", "/registrations/residents/{resident_id}/deregister"): _people_only(
        **{RESIDENT: 400, OTHER_RESIDENT: 404, CLERK_YZ: 400, CLERK_HS: 404}),
    # only a reporter's key (X-Reporter-Key) reports; no persona here holds one
    ("post", "/registrations/reports"): _all(401),
    ("get", "/registrations/verify"): _all(400),  # without a number and a code
}

OPERATIONS = [(op.method, op.path) for op in operations()]


def _body(world: World, method: str, path: str) -> dict[str, Any] | None:
    if path == "/feeds/records":
        return {"records": [{"source": "HRSS", "type": "employment", "record_id": "EMP-M1",
                             "id_number": ADULT_YZ_ID, "kind": "contract",
                             "district": YINZHOU, "start": "2024-01-01"}]}
    if (method, path) == ("post", "/residents"):
        return {"id_number": NOBODY_ID, "name": "赵新", "district": YINZHOU}
    if (method, path) == ("post", "/cases/me"):
        return {"kind": "evidence", "department": "HRSS"}
    if path == "/cases/{case_id}/act":
        return {"action": "withdraw"}
    if path.startswith("/registrations/residents/"):
        return {"arrived_on": "2026-11-02", "moved_on": "2026-11-20",
                "unit_id": world.adult_yz.unit_id, "ended_on": "2026-12-01",
                "reason": "moved_away"}
    return {} if method == "post" else None


def _client(world: World, persona: str, key: str) -> Client:
    if persona == SOURCE:
        return Client(headers={"X-API-Key": key})
    if persona == ANONYMOUS:
        return Client()
    return world.client(persona)  # a new token each time (logout revokes its own)


def _his_case(world: World) -> int:
    return case_submit(kind="evidence", resident=world.adult_yz,
                       by=world.users["resident_yz"], client_key="matrix-case-1",
                       department="HRSS").pk


def _his_report(world: World) -> int:
    return registration_report(reporter_kind="landlord", reporter_name="王房东",
                               reporter_uscc="", id_number=ADULT_YZ_ID, name="张伟明",
                               arrived_on=dt.date(2026, 11, 2),
                               unit=world.adult_yz.unit_id, client_key="matrix-report").pk


def _call(world: World, persona: str, key: str, method: str, path: str) -> Any:
    url = API + path.replace("{resident_id}", str(world.adult_yz.pk))
    url = url.replace("{code}", "YZ-XY-0001")
    if "{case_id}" in url:
        case_id = _his_case(world)
        url = url.replace("{case_id}", str(case_id))
        if "{evidence_id}" in url:
            url = url.replace("{evidence_id}", str(evidence_add(
                case=Case.objects.get(pk=case_id), by=world.users["resident_yz"],
                name="a.pdf", data=PDF).pk))
    if "{registration_id}" in url:
        url = url.replace("{registration_id}", str(_his_report(world)))
    client = _client(world, persona, key)
    body = _body(world, method, path)
    if method == "get":
        return client.get(url)
    if path.endswith("/evidence"):
        return client.post(url, {"file": SimpleUploadedFile("a.pdf", PDF)})
    return getattr(client, method)(url, json.dumps(body), content_type="application/json",
                                   headers={"Idempotency-Key": "matrix-key-1"})


def _residents_listed(world: World, persona: str, data: Any) -> None:
    assert data["items"], persona
    assert {r["district"]["code"] for r in data["items"]} == {DISTRICT[persona]}
    ids = {r["id"] for r in data["items"]}
    mine = {world.adult_yz.pk, world.spouse_yz.pk, world.child_yz.pk}
    assert (ids == mine) if persona == CLERK_YZ else (ids == {world.adult_hs.pk})


def _own(world: World, persona: str, data: Any) -> None:
    own = world.adult_yz if persona == RESIDENT else world.adult_hs
    assert data["resident"]["id"] == own.pk


def _target(world: World, persona: str, data: Any) -> None:
    assert data["id"] == world.adult_yz.pk


# What a success says about scope, per operation (None: nothing personal in it).
SCOPE: dict[tuple[str, str], Callable[[World, str, Any], None] | None] = {
    ("get", "/residents"): _residents_listed,
    ("post", "/residents/search"): _residents_listed,
    ("get", "/me"): _own,
    ("get", "/residents/{resident_id}"): _target,
    ("get", "/residents/{resident_id}/id-number"): _target,
}


def test_every_operation_is_in_the_matrix():
    assert OPERATIONS, "the OpenAPI document lists no operation"
    missing = sorted(set(OPERATIONS) - set(MATRIX))
    assert not missing, f"add the new operations to MATRIX: {missing}"
    assert not sorted(set(MATRIX) - set(OPERATIONS)), "MATRIX names removed operations"
    assert all(set(row) == set(PERSONAS) for row in MATRIX.values())


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_its_answer(world, hrss_key, persona, method, path):  # noqa: F811
    expected = MATRIX.get((method, path))
    if expected is None:
        pytest.fail(f"{method} {path} is not in MATRIX")
    refused_before = AuditEvent.objects.filter(action="resident.read_refused").count()
    response = _call(world, persona, hrss_key, method, path)
    assert response.status_code == expected[persona], (persona, response.content[:300])
    status = response.status_code
    if status >= 400:
        body = response.json()
        assert set(body) == {"code", "message", "message_en", "fields"}, body
        assert ADULT_YZ_ID not in response.content.decode()
    if status in (403, 404) and persona in PEOPLE and method == "get":
        refused = AuditEvent.objects.filter(action="resident.read_refused")
        assert refused.count() > refused_before, "a refusal leaves an audit event"
    check = SCOPE.get((method, path))
    if status == 200 and check is not None:
        check(world, persona, response.json())


def test_a_resident_that_does_not_exist_is_the_same_404(world):
    for persona in (OTHER_RESIDENT, CLERK_HS):
        client = world.client(persona)
        for suffix in ("", "/id-number"):
            there = client.get(f"{API}/residents/{world.adult_yz.pk}{suffix}")
            nowhere = client.get(f"{API}/residents/{world.adult_yz.pk + 10_000}{suffix}")
            assert there.status_code == nowhere.status_code == 404
            assert there.json() == nowhere.json()
