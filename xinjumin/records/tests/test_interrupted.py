"""A batch whose process died does not stay "running": records_mark_interrupted marks it
"interrupted" with an audit event (records.import_interrupted: batch id, rows committed),
once, and leaves alone the batches whose process is alive and beating."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest
from django.utils import timezone

from tests.personas import ADULT_YZ_ID
from xinjumin.audit.models import AuditEvent
from xinjumin.records.models import ImportBatch, SourceRecord
from xinjumin.records.services import (
    STALE_AFTER,
    records_ingest,
    records_mark_interrupted,
)

pytestmark = pytest.mark.django_db
HOST = socket.gethostname()


def _dead_pid() -> int:
    """The pid of a process that has run and been reaped."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def _batch(*, pid: int | None, host: str = HOST, beat_age: dt.timedelta = dt.timedelta(0),
           rows: int = 0) -> ImportBatch:
    now = timezone.now()
    return ImportBatch.objects.create(
        channel="file", file_name="lease.csv", started_at=now - beat_age,
        heartbeat_at=now - beat_age, owner_host=host, owner_pid=pid, rows=rows,
        created=rows)


def _events(batch: ImportBatch) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="records.import_interrupted",
                                          object_id=str(batch.pk)))


def test_a_batch_whose_process_is_gone_is_marked_interrupted_once_and_audited() -> None:
    batch = _batch(pid=_dead_pid(), rows=300)
    assert records_mark_interrupted() == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INTERRUPTED == "interrupted"
    assert batch.finished_at is not None and "interrupted" in batch.error
    [event] = _events(batch)
    assert event.object_type == "import_batch"
    assert event.detail["batch"] == batch.pk and event.detail["rows"] == 300
    assert event.detail["created"] == 300
    # exactly once: a second pass (or another worker's) finds nothing to do
    assert records_mark_interrupted() == []
    assert len(_events(batch)) == 1


def test_a_live_beating_batch_stays_running_a_silent_one_does_not() -> None:
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        beating = _batch(pid=alive.pid)
        elsewhere = _batch(pid=1, host="another-host")  # another machine, fresh heartbeat
        silent = _batch(pid=alive.pid, beat_age=STALE_AFTER + dt.timedelta(minutes=1))
        lost = _batch(pid=1, host="another-host", beat_age=STALE_AFTER * 2)
        assert sorted(records_mark_interrupted()) == sorted([silent.pk, lost.pk])
    finally:
        alive.kill()
        alive.wait()
    statuses = dict(ImportBatch.objects.values_list("pk", "status"))
    assert statuses[beating.pk] == statuses[elsewhere.pk] == "running"
    assert statuses[silent.pk] == statuses[lost.pk] == "interrupted"
    # now that its process is gone, the beating one goes too
    assert records_mark_interrupted() == [beating.pk]


def test_this_process_pid_on_a_batch_it_does_not_run_is_a_reused_pid() -> None:
    """A restarted worker in a container often has its predecessor's pid."""
    stale = _batch(pid=os.getpid())
    assert records_mark_interrupted() == [stale.pk]


def test_a_new_import_marks_the_stale_batches_first_and_heartbeats() -> None:
    stale = _batch(pid=_dead_pid())
    before = timezone.now()
    batch, outcomes = records_ingest(rows=[
        {"source": "EDU", "type": "diploma", "record_id": "D-1", "id_number": ADULT_YZ_ID,
         "level": "bachelor", "issued_on": "2010-07-01"}], today=dt.date(2026, 11, 1))
    stale.refresh_from_db()
    batch.refresh_from_db()
    assert stale.status == "interrupted" and len(_events(stale)) == 1
    assert batch.status == "done" and outcomes[0]["outcome"] == "created"
    assert batch.owner_host == HOST and batch.owner_pid == os.getpid()
    assert batch.heartbeat_at is not None and batch.heartbeat_at >= before
    # a finished batch is never marked, even much later
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=before - STALE_AFTER * 3)
    assert records_mark_interrupted() == []
    assert SourceRecord.objects.count() == 1
