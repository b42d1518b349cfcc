"""Permit tasks (thin: call the service)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="5", hour="16"))  # Huey's crontab reads UTC
def permits_daily_task() -> int:
    """00:05 every day, Beijing time (16:05 UTC): suspend the permits whose anniversary
    passed without an endorsement."""
    from xinjumin.permits.services import permits_daily

    return permits_daily().suspended
