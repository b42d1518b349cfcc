"""Transactional tests (live_server, transactional_db) flush the database after each test;
the append-only audit table must not break that, and must stay append-only afterwards."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_record


def test_transactional_test_writes_audit_events(transactional_db):
    audit_record(action="probe.transactional", actor="tester")
    assert AuditEvent.objects.filter(action="probe.transactional").count() == 1


def test_after_the_flush_the_table_is_empty_and_still_append_only(transactional_db):
    assert not AuditEvent.objects.filter(action="probe.transactional").exists()
    audit_record(action="probe.after", actor="tester")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(action="probe.after").count() == 1
