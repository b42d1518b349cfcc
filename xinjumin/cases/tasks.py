"""Case tasks (thin: call the service)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="20", hour="16"))  # Huey's crontab reads UTC
def evidence_purge_task() -> int:
    """00:20 every day, Beijing time: the files of cases closed 3 years ago are deleted."""
    from xinjumin.cases.evidence import evidence_purge

    return evidence_purge()
