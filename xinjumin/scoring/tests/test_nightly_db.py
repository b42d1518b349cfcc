"""The nightly re-score reads the records from the database (records.columnar), with a
connection of its own when it runs on its own (autocommit, as the job runs it): the shared
expected scores come out, a generated population scores the same as from its files, and
nothing is written to disk on the way (no export, no temporary file)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest

from points.feeds.readers import feed_files
from points.synth import generate
from points.tests.samples import AS_OF, JSONL, expected_rows
from xinjumin.records.services import records_import_file
from xinjumin.scoring.bulk import scores_rescore_all
from xinjumin.scoring.models import StoredScore
from xinjumin.scoring.tests.conftest import assert_nightly_rows

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
STORED = ("subject_hash", "as_of", "rule_set_hash", "is_minor", "common", "home_district",
          "score", "scores", "items", "frozen", "frozen_until", "source")


def _import(directory: Path) -> None:
    for path in feed_files([directory]):
        assert records_import_file(path=path).rejected == 0


@pytest.fixture
def no_event_rescores(monkeypatch) -> None:
    """Imports queue re-scores of the people they touch: not run here (the nightly is
    what is tested)."""
    from xinjumin.scoring import tasks

    monkeypatch.setattr(tasks, "rescore_subjects_task", lambda hashes: None)


@pytest.fixture
def nothing_written(monkeypatch) -> None:
    """The nightly path may not write files: no export, no temporary files, no Parquet."""
    import pyarrow.parquet as pq

    from xinjumin.records import export

    def refuse(*args, **kwargs):
        raise AssertionError("the nightly path wrote a file")

    for module, name in ((tempfile, "TemporaryDirectory"), (tempfile, "mkdtemp"),
                         (tempfile, "mkstemp"), (tempfile, "NamedTemporaryFile"),
                         (pq, "ParquetWriter"), (pq, "write_table"),
                         (export, "records_export_parquet")):
        monkeypatch.setattr(module, name, refuse)


def _current() -> list[tuple]:
    return sorted(StoredScore.objects.filter(is_current=True).values_list(*STORED))


def test_the_nightly_from_the_database_gives_the_expected_scores(
        no_event_rescores, nothing_written) -> None:
    _import(JSONL)
    rows = expected_rows()
    run = scores_rescore_all(as_of=AS_OF)
    assert run.count == len(rows)
    seconds = run.detail["seconds"]
    assert {"read", "decrypt", "score", "hash", "store"} <= set(seconds)
    assert run.as_of == AS_OF
    assert_nightly_rows(rows, run)
    again = scores_rescore_all(as_of=AS_OF + dt.timedelta(days=1))
    assert StoredScore.objects.filter(is_current=True).count() == again.count == len(rows)


def test_a_population_scores_the_same_from_the_database_as_from_its_files(
        no_event_rescores, tmp_path, settings) -> None:
    pop = tmp_path / "pop"
    generate(300, 3, pop, fmt="jsonl")
    _import(pop)
    from_db = scores_rescore_all(as_of=AS_OF)
    assert from_db.count > 250
    stored = _current()
    settings.XJM_SCORING_FEEDS = str(pop)
    from_files = scores_rescore_all(as_of=AS_OF)
    assert from_files.count == from_db.count
    assert _current() == stored
    assert any(r[7] for r in stored) and any(r[3] for r in stored)  # adults and minors
