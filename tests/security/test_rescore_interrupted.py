"""A nightly re-score whose process died does not stay "running": scores_mark_interrupted
marks it "interrupted" with an audit event (scoring.run_interrupted), exactly once; a run
whose process lives is left alone; the next nightly marks it first and then stores each
resident's score exactly once (bench/bench_faults.py kills real processes)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from points.tests.samples import AS_OF, expected_rows
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_verify_chain
from xinjumin.scoring.bulk import scores_mark_interrupted, scores_rescore_all
from xinjumin.scoring.models import ScoreRun, StoredScore
from xinjumin.scoring.tasks import mark_interrupted_runs_at_start
from xinjumin.scoring.tests.conftest import samples  # noqa: F401 (fixture)

INTERRUPTED = "scoring.run_interrupted"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running(*, pid: int | None, host: str | None = None,
             beat_ago: dt.timedelta = dt.timedelta(0)) -> ScoreRun:
    beat = timezone.now() - beat_ago
    return ScoreRun.objects.create(
        kind=ScoreRun.Kind.NIGHTLY, status=ScoreRun.Status.RUNNING, as_of=AS_OF,
        rule_set_hash="0" * 64, started_at=beat, heartbeat_at=beat,
        owner_host=socket.gethostname() if host is None else host, owner_pid=pid)


def _events(run: ScoreRun) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=INTERRUPTED, object_id=str(run.pk)))


@pytest.mark.django_db
def test_a_run_left_by_a_dead_process_is_marked_and_audited_once():
    dead = _running(pid=_dead_pid())
    assert scores_mark_interrupted() == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == ScoreRun.Status.INTERRUPTED and dead.finished_at is not None
    [event] = _events(dead)
    assert (event.actor, event.object_type) == ("system", "score_run")
    assert event.detail["reason"] == "process gone"
    assert event.detail["owner"] == f"{socket.gethostname()} pid {dead.owner_pid}"
    assert scores_mark_interrupted() == []  # exactly once
    assert len(_events(dead)) == 1
    assert audit_verify_chain(store=False).ok


@pytest.mark.django_db
def test_a_run_whose_process_lives_is_left_running():
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as alive:
        try:
            live = _running(pid=alive.pid)
            other_host = _running(pid=1, host="another-host")  # its pid means nothing here
            assert scores_mark_interrupted() == []
        finally:
            alive.kill()
    for run in (live, other_host):
        run.refresh_from_db()
        assert run.status == ScoreRun.Status.RUNNING and not _events(run)


@pytest.mark.django_db
def test_a_run_without_a_heartbeat_for_long_is_marked_whatever_its_host():
    stale = _running(pid=1, host="another-host", beat_ago=dt.timedelta(hours=3))
    assert scores_mark_interrupted() == [stale.pk]


@pytest.mark.django_db
def test_this_process_owns_only_the_runs_it_is_running():
    # this pid, but no run of this process is in progress: the pid was reused
    orphan = _running(pid=os.getpid())
    mark_interrupted_runs_at_start()  # the worker's start hook
    orphan.refresh_from_db()
    assert orphan.status == ScoreRun.Status.INTERRUPTED and len(_events(orphan)) == 1


@pytest.mark.usefixtures("samples")
@pytest.mark.django_db
def test_the_nightly_after_a_killed_one_marks_it_and_stores_each_score_once():
    rows = expected_rows()
    first = scores_rescore_all(as_of=AS_OF)
    killed = _running(pid=_dead_pid())  # the next night's run, killed before its commit
    again = scores_rescore_all(as_of=AS_OF + dt.timedelta(days=1))
    killed.refresh_from_db()
    assert killed.status == ScoreRun.Status.INTERRUPTED and len(_events(killed)) == 1
    assert (first.status, again.status) == (ScoreRun.Status.DONE, ScoreRun.Status.DONE)
    assert again.owner_pid == os.getpid() and again.finished_at is not None
    assert again.count == len(rows)
    current = StoredScore.objects.filter(is_current=True)
    assert current.count() == len(rows)
    assert current.values("subject_hash").distinct().count() == len(rows)
    assert set(current.values_list("as_of", flat=True)) == {again.as_of}
    assert scores_mark_interrupted() == []  # a finished run is never marked
    assert audit_verify_chain(store=False).ok


@pytest.mark.django_db
def test_the_database_refuses_a_second_current_score():
    row = {"subject_hash": "a" * 64, "as_of": AS_OF, "rule_set_hash": "0" * 64,
           "rule_set_profile": "ningbo-2021", "source": StoredScore.Source.NIGHTLY,
           "computed_at": timezone.now(), "is_current": True}
    StoredScore.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoredScore.objects.create(**row)
    StoredScore.objects.create(**{**row, "is_current": False})  # history is allowed
