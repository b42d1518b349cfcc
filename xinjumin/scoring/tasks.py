"""Scoring tasks (thin: load ids → call the service). Huey runs them immediately in tests."""

from __future__ import annotations

import datetime as dt
import logging

from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, db_task, on_startup

log = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=30)
def rescore_subjects_task(subject_hashes: list[str], as_of: str | None = None) -> int:
    """Re-score the residents touched by new records."""
    from xinjumin.scoring.services import scores_rescore_subjects

    day = dt.date.fromisoformat(as_of) if as_of else None
    return scores_rescore_subjects(subject_hashes=subject_hashes, as_of=day)


@db_periodic_task(crontab(minute="30", hour="18"))  # Huey's crontab reads UTC
def nightly_rescore() -> int:
    """02:30 every night, Beijing time (18:30 UTC; it ran at 10:30 in the morning before):
    everyone, with the population evaluator."""
    from xinjumin.scoring.bulk import scores_rescore_all

    run = scores_rescore_all()
    log.info("nightly re-score: %s residents in %s s", run.count, run.seconds)
    return run.count


@db_task()
def indicator_compare_task(version_id: int, as_of: str | None = None) -> dict:
    """Compare an indicator version with the one in force on the whole population."""
    from xinjumin.scoring.indicators import indicator_compare
    from xinjumin.scoring.models import IndicatorSystem

    version = IndicatorSystem.objects.get(pk=version_id)
    day = dt.date.fromisoformat(as_of) if as_of else None
    return indicator_compare(version=version, as_of=day)


@on_startup()
@close_db
def mark_interrupted_runs_at_start() -> None:
    """At the worker's start: the nightly that a killed worker left running is marked."""
    from xinjumin.scoring.bulk import scores_mark_interrupted

    scores_mark_interrupted()


@db_periodic_task(crontab(minute="*/5"))
def mark_interrupted_runs() -> list[int]:
    """Every five minutes: runs of any other process (`xjm scores rescore --all`)."""
    from xinjumin.scoring.bulk import scores_mark_interrupted

    return scores_mark_interrupted()
