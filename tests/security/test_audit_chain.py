"""The audit trail proves itself (issue #11, point 4): the chain is keyed with a key the
database does not hold and its head is checkpointed outside the database, so `xjm audit
verify` detects and names an edited event, a recomputed chain, events removed in the
middle or at the end, a chain rewritten whole and a tampered checkpoint file; a lawful
purge past retention keeps it verifying, an unlawful one is refused; every refusal of a
resident's data leaves an event. On SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from tests.api.conftest import API, assert_error
from tests.personas import World, staff_login
from xinjumin.audit.chain import KEYED_FIELDS, UNKEYED, canonical, keyed_hash, unkeyed_hash
from xinjumin.audit.checkpoints import checkpoint_path, checkpoints_read
from xinjumin.audit.models import AuditCheck, AuditEvent, AuditPurgePermit
from xinjumin.audit.retention import months_before, retention_months
from xinjumin.audit.services import PURGE, audit_purge, audit_record, audit_verify_chain
from xinjumin.core.errors import DomainError

KEY_A1 = base64.b64encode(b"a" * 32).decode()
KEY_A2 = base64.b64encode(b"b" * 32).decode()
REFUSED = "resident.read_refused"


@pytest.fixture
def keys() -> Iterator[None]:
    with override_settings(XJM_AUDIT_KEYS=f"a1:{KEY_A1}", XJM_AUDIT_KEY_ID=None):
        yield


def _events(n: int, action: str = "test.event") -> list[AuditEvent]:
    return [audit_record(action=action, object_type="thing", object_id=i, detail={"n": i},
                         actor="tester") for i in range(n)]


def _verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue().strip()
    return 0, out.getvalue().strip()


def _without_triggers() -> None:
    """Someone with DDL rights on the database (rolled back with the test)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER audit_no_update ON audit_auditevent")
        else:
            cur.execute("DROP TRIGGER audit_no_update")
            cur.execute("DROP TRIGGER audit_no_delete")


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "at": row["at"].isoformat(timespec="microseconds")}


def _rewrite_from(seq: int, hasher: Any, *, key_id: str | None = None,
                  **changes: Any) -> None:
    """Edit event `seq` and recompute the chain from it on with `hasher(prev, fields)`,
    as someone without the audit key would (`key_id`: set on every rewritten event)."""
    rows = list(AuditEvent.objects.order_by("seq").values())
    prev = next((r["hash"] for r in rows if r["seq"] == seq - 1), "0" * 64)
    for row in (r for r in rows if r["seq"] >= seq):
        if row["seq"] == seq:
            row.update(changes)
        if key_id is not None:
            row["key_id"] = key_id
        digest = hasher(prev, _fields(row))
        _sql("UPDATE audit_auditevent SET object_id = %s, key_id = %s, prev_hash = %s, "
             "hash = %s WHERE seq = %s",
             [row["object_id"], row["key_id"], prev, digest, row["seq"]])
        prev = digest


def _plain_keyed_layout(prev: str, fields: dict[str, Any]) -> str:
    body = canonical({k: fields[k] for k in KEYED_FIELDS})
    return hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()


# --- the chain is keyed ------------------------------------------------------------------

def test_new_events_are_keyed_with_a_key_outside_the_database(db, keys):
    first, second = _events(2)
    assert (first.key_id, second.key_id) == ("a1", "a1")
    row = _fields(AuditEvent.objects.filter(seq=second.seq).values().get())
    assert second.hash == keyed_hash(first.hash, row, b"a" * 32)
    assert second.hash != unkeyed_hash(first.hash, row)
    assert _verify() == (0, "OK: 2 events verified")


def test_events_from_before_the_key_still_verify_and_keyed_ones_follow(db, keys):
    # what migration 0003 leaves: events of the unkeyed chain, then keyed ones
    prev = "0" * 64
    for seq in (1, 2):
        at = timezone.now()
        fields = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": "old",
                  "actor_role": "", "actor_district": "", "action": "old.event",
                  "object_type": "", "object_id": str(seq), "detail": {}, "request_id": "",
                  "key_id": UNKEYED}
        digest = unkeyed_hash(prev, fields)
        AuditEvent.objects.create(**{**fields, "at": at}, prev_hash=prev, hash=digest)
        prev = digest
    keyed = _events(2)
    assert keyed[0].prev_hash == prev and keyed[0].key_id == "a1"
    assert _verify() == (0, "OK: 4 events verified")


def test_the_key_rotates_older_events_verify_with_theirs(db, keys):
    _events(2)
    with override_settings(XJM_AUDIT_KEYS=f"a2:{KEY_A2},a1:{KEY_A1}"):
        later = _events(1)[0]
        assert later.key_id == "a2"
        assert _verify() == (0, "OK: 3 events verified")
    with override_settings(XJM_AUDIT_KEYS=f"a2:{KEY_A2}"):
        code, out = _verify()
    assert code == 1 and "no audit key 'a1'" in out


# --- each tamper is detected and named -----------------------------------------------------

def test_an_edited_event_is_named(db, keys):
    events = _events(4)
    _without_triggers()
    _sql("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s",
         ["tampered", events[1].seq])
    code, out = _verify()
    assert code == 1
    assert out == f"BROKEN at event #{events[1].seq}: content altered at seq {events[1].seq}"
    check = AuditCheck.objects.get()
    assert (check.ok, check.first_broken_seq) == (False, events[1].seq)


@pytest.mark.parametrize("hasher", ["sha256, old layout", "sha256, keyed layout",
                                    "a guessed key"])
def test_a_recomputed_chain_is_named(db, keys, hasher):
    events = _events(5)
    _without_triggers()
    recompute = {
        "sha256, old layout": unkeyed_hash,
        "sha256, keyed layout": _plain_keyed_layout,
        "a guessed key": lambda prev, f: keyed_hash(prev, f, b"guess" * 8),
    }[hasher]
    _rewrite_from(events[2].seq, recompute, object_id="tampered")
    code, out = _verify()
    assert code == 1
    assert out.startswith(f"BROKEN at event #{events[2].seq}: keyed hash mismatch at seq "
                          f"{events[2].seq}: the chain was recomputed")


def test_a_chain_rewritten_as_unkeyed_after_keyed_events_is_named(db, keys):
    events = _events(4)
    _without_triggers()
    _rewrite_from(events[2].seq, unkeyed_hash, object_id="tampered", key_id=UNKEYED)
    code, out = _verify()
    assert code == 1 and out.startswith(
        f"BROKEN at event #{events[2].seq}: keyed hash mismatch at seq {events[2].seq}: "
        "an unkeyed event after the keyed ones")


def test_a_whole_chain_rewritten_is_caught_by_the_checkpoint(db, keys):
    events = _events(3)
    assert _verify()[0] == 0  # checkpoints the head outside the database
    _without_triggers()
    _rewrite_from(events[0].seq, unkeyed_hash, key_id=UNKEYED, object_id="tampered")
    code, out = _verify()
    assert code == 1
    assert out == (f"BROKEN at event #{events[-1].seq}: checkpoint mismatch at seq "
                   f"{events[-1].seq}: the database's chain differs from the head "
                   "checkpointed outside it (rewritten)")


def test_events_deleted_in_the_middle_are_named(db, keys):
    events = _events(6)
    _without_triggers()
    _sql("DELETE FROM audit_auditevent WHERE seq IN (%s, %s)", [events[2].seq, events[3].seq])
    code, out = _verify()
    assert code == 1
    assert out == (f"BROKEN at event #{events[4].seq}: link broken at seq {events[4].seq}: "
                   f"events {events[2].seq}–{events[3].seq} were removed")


def test_truncation_of_the_last_events_is_named(db, keys):
    events = _events(5)
    assert _verify() == (0, "OK: 5 events verified")
    _without_triggers()
    _sql("DELETE FROM audit_auditevent WHERE seq >= %s", [events[3].seq])
    code, out = _verify()
    assert code == 1
    assert out == (f"BROKEN at event #{events[2].seq}: events after seq {events[2].seq} were "
                   f"removed (a checkpoint outside the database names seq {events[4].seq})")


def test_truncation_then_new_events_is_caught_too(db, keys):
    events = _events(3)
    assert _verify()[0] == 0
    _without_triggers()
    _sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[2].seq])
    _events(1)  # a new, correctly keyed event takes the removed one's seq
    code, out = _verify()
    assert code == 1 and f"checkpoint mismatch at seq {events[2].seq}" in out


@pytest.mark.parametrize("tamper", ["edit", "drop a middle line", "garbage"])
def test_a_tampered_checkpoint_file_is_named(db, keys, tamper):
    for _ in range(3):
        _events(1)
        assert _verify()[0] == 0
    path = checkpoint_path()
    lines = path.read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["head"] * 3
    if tamper == "edit":
        first = json.loads(lines[0])
        lines[0] = json.dumps({**first, "seq": first["seq"] + 100}, sort_keys=True)
        line = 1
    elif tamper == "drop a middle line":
        del lines[1]
        line = 2
    else:
        lines.insert(1, "{not json")
        line = 2
    path.write_text("\n".join(lines) + "\n")
    code, out = _verify()
    assert code == 1
    assert out.startswith(f"BROKEN: checkpoint file tampered with: line {line} of {path.name}")
    assert checkpoints_read().problem


def test_checkpoints_are_written_at_every_verification_and_by_the_hourly_job(db, keys):
    from xinjumin.audit.tasks import verify_audit_chain

    events = _events(2)
    assert _verify()[0] == 0
    _events(1)
    assert verify_audit_chain.call_local() is True
    lines = checkpoints_read().lines
    assert [(c.seq, c.kind, c.kid) for c in lines] == [
        (events[1].seq, "head", "a1"), (events[1].seq + 1, "head", "a1")]
    hourly = verify_audit_chain.task_class().validate_datetime
    assert all(hourly(dt.datetime(2026, 1, 1, h, 17)) for h in range(24))


# --- retention and the lawful purge --------------------------------------------------------

def test_retention_policy_follows_domain_13():
    assert retention_months("resident.read") == 6
    assert retention_months("credit.query") == 120
    assert months_before(dt.datetime(2026, 8, 31, 12), 6) == dt.datetime(2026, 2, 28, 12)


def test_a_lawful_purge_moves_the_base_and_verify_passes(db, keys,
                                                        django_capture_on_commit_callbacks):
    old = _events(4)
    credit = audit_record(action="credit.query", object_type="resident", object_id=1,
                          actor="bank")
    later = _events(2)
    now = timezone.now() + dt.timedelta(days=730)  # two years on
    with django_capture_on_commit_callbacks(execute=True):
        result = audit_purge(before=now - dt.timedelta(days=240), now=now, actor="tester")
    # the credit query (10 years) holds the chain's base back: nothing after it goes
    assert (result.removed, result.base_seq, result.kept_from) == (
        4, old[-1].seq, credit.seq)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [
        credit.seq, *(e.seq for e in later), result.event.seq]
    assert result.event.action == PURGE and result.event.detail["base_hash"] == old[-1].hash
    assert _verify() == (0, "OK: 4 events verified")
    assert [c.kind for c in checkpoints_read().lines][-2:] == ["base", "head"]
    assert not AuditPurgePermit.objects.exists()
    # still append-only for everyone else after the purge
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=credit.seq).delete()
    # ten years later the credit query may go too; the base moves again
    much_later = timezone.now() + dt.timedelta(days=3700)
    again = audit_purge(before=much_later - dt.timedelta(days=240), now=much_later)
    # (the newest event always stays: seqs never start again)
    assert again.removed == 3 and _verify() == (0, "OK: 2 events verified")


def test_events_removed_before_the_base_are_named(db, keys):
    _events(3)
    now = timezone.now() + dt.timedelta(days=400)
    audit_purge(before=now - dt.timedelta(days=200), now=now)
    _events(2)
    assert _verify()[0] == 0
    _without_triggers()
    # the purge event names the base: without it the chain's start is unanchored
    _sql("DELETE FROM audit_auditevent WHERE action = %s", [PURGE])
    first = AuditEvent.objects.order_by("seq").first()
    code, out = _verify()
    assert code == 1 and out.startswith(
        f"BROKEN at event #{first.seq}: events before seq {first.seq} were removed")


def test_an_unlawful_purge_is_refused_and_removes_nothing(db, keys):
    events = _events(3)
    with pytest.raises(DomainError) as refused:
        audit_purge(before=timezone.now() - dt.timedelta(days=30))
    assert refused.value.status == 409 and "6 个月" in refused.value.message
    assert "6 months" in refused.value.message_en
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("audit", "purge", "--before", timezone.localdate().isoformat(),
                     stderr=err)
    assert exit_.value.code == 1 and err.getvalue().startswith("REFUSED: 审计记录至少保存")
    assert AuditEvent.objects.count() == len(events)
    assert not AuditEvent.objects.filter(action=PURGE).exists()


def test_young_events_are_never_removed_whatever_the_date(db, keys):
    events = _events(3)
    now = timezone.now() + dt.timedelta(days=100)  # the events are 100 days old
    result = audit_purge(before=months_before(now, 6), now=now)
    assert (result.removed, result.event) == (0, None)
    assert AuditEvent.objects.count() == len(events)


def test_a_purge_of_a_broken_chain_is_refused(db, keys):
    events = _events(3)
    _without_triggers()
    _sql("UPDATE audit_auditevent SET object_id = 'x' WHERE seq = %s", [events[0].seq])
    now = timezone.now() + dt.timedelta(days=400)
    with pytest.raises(DomainError) as refused:
        audit_purge(before=now - dt.timedelta(days=200), now=now)
    assert "content altered" in refused.value.message_en
    assert AuditEvent.objects.count() == 3


def test_a_permit_of_another_transaction_opens_nothing_on_postgresql(db, keys):
    if connection.vendor != "postgresql":
        pytest.skip("transaction ids bind the permit on PostgreSQL only")
    _events(2)
    _sql("INSERT INTO audit_auditpurgepermit (upto, txid) VALUES (%s, %s)", [10**9, 1])
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("DELETE FROM audit_auditevent", [])
    assert AuditEvent.objects.count() == 2


# --- every refusal of a resident's data is an event ---------------------------------------

def _refusals() -> Any:
    return AuditEvent.objects.filter(action=REFUSED).order_by("seq")


def test_a_403_from_require_power_is_audited(world: World):
    response = world.client("system_admin").get(f"{API}/residents")
    assert_error(response, 403, "forbidden")
    event = _refusals().get()
    assert (event.actor, event.detail, event.request_id) == (
        "system_admin", {"purpose": "resident_read", "reason": "power"},
        response["X-Request-ID"])


def test_a_403_from_require_resident_is_audited(world: World):
    response = world.client("window_yz").get(f"{API}/me")
    assert_error(response, 403, "forbidden")
    event = _refusals().get()
    assert (event.actor, event.detail) == ("window_yz", {"purpose": "own", "reason": "own"})


def test_a_404_from_the_door_is_audited(world: World):
    response = world.client("window_hs").get(f"{API}/residents/{world.adult_yz.pk}/score")
    assert_error(response, 404, "not_found")
    event = _refusals().get()
    assert (event.actor, event.object_id, event.detail) == (
        "window_hs", str(world.adult_yz.pk), {"purpose": "score", "reason": "scope"})


def test_a_back_office_404_for_a_role_without_resident_data_is_audited(client, world):
    staff_login(client, world.users["audit_admin"])
    response = client.post("/staff/residents/", {"q": "张"})
    assert response.status_code == 404
    event = _refusals().get()
    assert (event.actor, event.detail) == ("audit_admin", {"purpose": "search",
                                                           "reason": "power"})
    assert audit_verify_chain(store=False).ok
