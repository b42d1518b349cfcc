"""Every refusal of the one door (accounts.access) is audited "resident.read_refused": the
actor, the purpose, the id asked for (masked when it holds an ID or phone number), the
reason; and an event rolled back with the request's transaction is written again by the
404 handler (access_refusals_settle)."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.personas import ADULT_HS_ID, ADULT_HS_PHONE
from xinjumin.accounts.access import (
    REFUSED,
    access_own_resident,
    access_refusals_settle,
    access_resident,
    access_resident_full_id,
)
from xinjumin.accounts.tests.test_authorization_matrix import FULL_ID, OBJECTS, READ
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_verify_chain
from xinjumin.core.context import request_id_var
from xinjumin.core.errors import DomainError


def _refusals():  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(action=REFUSED).order_by("seq")


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("persona", sorted(READ))
def test_every_refused_read_is_audited_once(world, persona, obj):
    user, target = world.users[persona], getattr(world, obj)
    refused = READ[persona][obj] != "ok"
    try:
        access_resident(user=user, resident_id=target.pk, purpose="assist")
    except DomainError:
        assert refused
    events = list(_refusals())
    assert len(events) == (1 if refused else 0)
    if refused:
        event = events[0]
        assert (event.actor, event.actor_role) == (user.username, user.role)
        assert (event.object_type, event.object_id) == ("resident", str(target.pk))
        assert event.detail == {"purpose": "assist", "reason": "scope"}


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("persona", sorted(FULL_ID))
def test_every_refused_full_id_is_audited_with_its_reason(world, persona, obj):
    user, target = world.users[persona], getattr(world, obj)
    outcome = FULL_ID[persona][obj]
    try:
        access_resident_full_id(user=user, resident=target, purpose="window")
    except DomainError:
        assert outcome != "ok"
    reasons = [e.detail["reason"] for e in _refusals()]
    assert reasons == {"ok": [], 404: ["scope"], 403: ["power"]}[outcome]


def test_a_staff_account_asking_for_its_own_resident_is_refused_and_audited(world):
    with pytest.raises(DomainError):
        access_own_resident(user=world.users["window_yz"])
    event = _refusals().get()
    assert (event.actor, event.object_id, event.detail) == (
        "window_yz", "", {"purpose": "own", "reason": "own"})


@pytest.mark.parametrize("typed", [ADULT_HS_ID, ADULT_HS_PHONE, "abc<script>"])
def test_what_was_typed_as_the_id_is_never_stored_in_clear(world, typed):
    with pytest.raises(DomainError):
        access_resident(user=world.users["window_yz"], resident_id=typed)
    stored = _refusals().get().object_id
    if typed in (ADULT_HS_ID, ADULT_HS_PHONE):
        assert typed not in stored and "*" in stored
    else:
        assert stored == typed


def test_a_refusal_rolled_back_with_its_transaction_is_written_again(transactional_db,
                                                                    world):
    token = request_id_var.set("req-refused-01")
    try:
        with pytest.raises(DomainError), transaction.atomic():  # ATOMIC_REQUESTS, a 404
            access_resident(user=world.users["window_hs"], resident_id=world.adult_yz.pk)
        assert not _refusals().exists()  # rolled back with the request
        assert access_refusals_settle() == 1  # what the 404 handler does next
        assert access_refusals_settle() == 0  # once
    finally:
        request_id_var.reset(token)
    event = _refusals().get()
    assert (event.actor, event.object_id, event.request_id) == (
        "window_hs", str(world.adult_yz.pk), "req-refused-01")
    assert audit_verify_chain(store=False).ok


def test_a_committed_refusal_is_not_written_twice(transactional_db, world):
    token = request_id_var.set("req-refused-02")
    try:
        with transaction.atomic():
            with pytest.raises(DomainError):
                access_resident(user=world.users["window_hs"], resident_id=world.adult_yz.pk)
        assert access_refusals_settle() == 0
    finally:
        request_id_var.reset(token)
    assert _refusals().count() == 1


def test_another_requests_refusals_are_not_settled(transactional_db, world):
    token = request_id_var.set("req-refused-03")
    try:
        with pytest.raises(DomainError), transaction.atomic():
            access_resident(user=world.users["window_hs"], resident_id=world.adult_yz.pk)
    finally:
        request_id_var.reset(token)
    token = request_id_var.set("req-refused-04")
    try:
        assert access_refusals_settle() == 0
    finally:
        request_id_var.reset(token)
