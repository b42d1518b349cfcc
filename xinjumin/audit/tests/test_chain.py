"""The audit trail is hash-chained and append-only: `xjm audit verify` finds an altered or
removed row, and the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from xinjumin.audit.models import AuditCheck, AuditEvent
from xinjumin.audit.services import audit_record


def _events(n: int) -> list[AuditEvent]:
    return [audit_record(action="test.event", object_type="thing", object_id=i,
                         detail={"n": i}, actor="tester") for i in range(n)]


def _verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue().strip()
    return 0, out.getvalue().strip()


def _drop_trigger(kind: str) -> None:
    """Simulate someone with DDL rights on the database (rolled back with the test)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER audit_no_update ON audit_auditevent")
        else:
            cur.execute(f"DROP TRIGGER audit_no_{kind}")


def test_events_link_and_verify(db):
    events = _events(3)
    assert events[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 3))
    assert _verify() == (0, "OK: 3 events verified")
    assert AuditCheck.objects.get().ok


def test_altered_row_is_detected(db):
    events = _events(4)
    _drop_trigger("update")
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s",
                    ["tampered", events[2].seq])
    code, out = _verify()
    assert code == 1 and out == (f"BROKEN at event #{events[2].seq}: "
                                   f"content altered at seq {events[2].seq}")
    check = AuditCheck.objects.get()
    assert (check.ok, check.first_broken_seq) == (False, events[2].seq)


def test_removed_row_is_detected(db):
    events = _events(4)
    _drop_trigger("delete")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    code, out = _verify()
    assert code == 1
    assert out == (f"BROKEN at event #{events[2].seq}: link broken at seq {events[2].seq}: "
                   f"event {events[1].seq} was removed")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET action = 'x'",
    "DELETE FROM audit_auditevent",
])
def test_database_refuses_update_and_delete(db, statement):
    events = _events(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == \
        ["test.event", "test.event"]
    assert AuditEvent.objects.get(seq=events[0].seq).hash == events[0].hash


def test_orm_update_and_delete_are_refused_too(db):
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1
