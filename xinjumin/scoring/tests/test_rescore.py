"""New records re-score the residents they touch; the nightly run stores everyone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from points.tests.samples import AS_OF, expected_rows
from xinjumin.audit.models import AuditEvent
from xinjumin.records.services import records_ingest
from xinjumin.scoring.bulk import scores_rescore_all
from xinjumin.scoring.models import ScoreRun, StoredScore
from xinjumin.scoring.sources import subject_hash
from xinjumin.scoring.tests.conftest import assert_nightly_rows
from xinjumin.scoring.tests.reading import score_for

ROWS = expected_rows()
pytestmark = [pytest.mark.usefixtures("samples"), pytest.mark.django_db]


def _no_diploma() -> dict[str, str]:
    return next(r for r in ROWS if r["is_minor"] == "false" and r["education"] == "0.00"
                and r["frozen"] == "false" and float(r["base"]) <= 80)


def test_a_new_record_rescores_the_resident(django_capture_on_commit_callbacks) -> None:
    row = _no_diploma()
    today = timezone.localdate()
    before = score_for(id_number=row["id_number"], as_of=today)
    assert before["items"]["education"] == "0.00"
    diploma = {"source": "EDU", "type": "diploma", "record_id": "DP-TEST-1", "version": 1,
               "op": "upsert", "id_number": row["id_number"], "level": "bachelor",
               "issued_on": "2015-06-30"}
    with django_capture_on_commit_callbacks(execute=True):
        _, outcomes = records_ingest(rows=[diploma])
    assert outcomes[0]["outcome"] == "created", outcomes
    stored = StoredScore.objects.get(subject_hash=subject_hash(row["id_number"]),
                                     is_current=True)
    assert stored.source == StoredScore.Source.EVENT
    assert stored.items["city"]["education"] == 1000
    assert stored.explanation["records"]["education"] == ["EDU:DP-TEST-1"]
    assert stored.common == Decimal(before["common"]) + 10  # base stays under its cap
    assert StoredScore.objects.filter(subject_hash=stored.subject_hash).count() == 2
    run = ScoreRun.objects.filter(kind=ScoreRun.Kind.SUBJECTS).latest("id")
    assert run.count >= 1 and run.as_of == today
    assert AuditEvent.objects.filter(action="scores.rescore_subjects",
                                     object_id=str(run.pk)).exists()
    # a correction (version 2: junior college) changes the stored score again
    with django_capture_on_commit_callbacks(execute=True):
        records_ingest(rows=[{**diploma, "version": 2, "level": "junior_college"}])
    stored = StoredScore.objects.get(subject_hash=stored.subject_hash, is_current=True)
    assert stored.items["city"]["education"] == 800
    after = score_for(id_number=row["id_number"], as_of=today)
    assert after["items"]["education"] == "8.00"


def test_nightly_run_stores_everyone_exactly() -> None:
    run = scores_rescore_all(as_of=AS_OF)
    assert run.count == len(ROWS)
    assert StoredScore.objects.filter(is_current=True, source="nightly").count() == len(ROWS)
    assert run.as_of == AS_OF
    assert_nightly_rows(ROWS, run)
    assert AuditEvent.objects.filter(action="scores.rescore_all",
                                     object_id=str(run.pk)).exists()
    # the second night replaces the current rows (keeping last night's as history here)
    again = scores_rescore_all(as_of=AS_OF + dt.timedelta(days=1), keep_days=1)
    assert StoredScore.objects.filter(is_current=True).count() == again.count == len(ROWS)
    assert StoredScore.objects.filter(is_current=False, as_of=AS_OF).count() == len(ROWS)
    # by default only tonight's nightly rows are kept
    scores_rescore_all(as_of=AS_OF + dt.timedelta(days=2))
    assert StoredScore.objects.count() == len(ROWS)
    assert set(StoredScore.objects.values_list("as_of", flat=True)) == {
        AS_OF + dt.timedelta(days=2)}


def test_a_nightly_replaces_last_nights_rows_and_keeps_the_others_as_history() -> None:
    scores_rescore_all(as_of=AS_OF)
    night = AS_OF + dt.timedelta(days=1)
    # a score computed today for new data (kept as history), and a current row of someone
    # no longer scored (gone tonight)
    event = StoredScore.objects.filter(is_current=True).order_by("pk").first()
    assert event is not None
    StoredScore.objects.filter(pk=event.pk).update(source="event", as_of=night)
    gone = StoredScore.objects.filter(is_current=True).order_by("pk").last()
    assert gone is not None
    StoredScore.objects.filter(pk=gone.pk).update(subject_hash="0" * 64)
    run = scores_rescore_all(as_of=night)
    current = StoredScore.objects.filter(is_current=True)
    assert current.count() == run.count == len(ROWS)
    assert set(current.values_list("source", "as_of")) == {("nightly", night)}
    assert_nightly_rows(ROWS, run)
    assert list(StoredScore.objects.filter(is_current=False).values_list("pk", "source")) == [
        (event.pk, "event")]
    assert not StoredScore.objects.filter(subject_hash="0" * 64).exists()
    assert StoredScore.objects.count() == len(ROWS) + 1
    # run again the same night: tonight's first rows stay as history
    scores_rescore_all(as_of=night)
    assert StoredScore.objects.filter(is_current=False, source="nightly").count() == len(ROWS)


def test_show_after_the_nightly_run_explains_from_the_records() -> None:
    scores_rescore_all(as_of=AS_OF)
    row = next(r for r in ROWS if r["is_minor"] == "false" and r["permit"] != "0.00")
    data = score_for(id_number=row["id_number"], as_of=AS_OF)
    assert data["common"] == row["common"]
    assert data["record_ids"]["permit"] and data["explained"] is True


def test_nightly_takes_subject_hashes_from_the_export_when_given(tmp_path, settings) -> None:
    import shutil

    import polars as pl

    from points.tests.samples import JSONL

    for path in JSONL.glob("*.jsonl"):
        shutil.copy(path, tmp_path / path.name)
    ids = [r["id_number"] for r in ROWS]
    marker = "f" * 64  # not a real hash: proves the file is read
    (tmp_path / "subjects").mkdir()
    pl.DataFrame({"id_number": ids[:10],
                  "subject_hash": [marker] + [subject_hash(i) for i in ids[1:10]]}
                 ).write_parquet(tmp_path / "subjects" / "hashes.parquet")
    settings.XJM_SCORING_FEEDS = str(tmp_path)
    run = scores_rescore_all(as_of=AS_OF)
    hashes = set(StoredScore.objects.filter(is_current=True).values_list(
        "subject_hash", flat=True))
    assert run.count == len(ROWS) == len(hashes)
    assert hashes == {marker} | {subject_hash(i) for i in ids[1:]}
