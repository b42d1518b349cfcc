"""Registration tasks (thin: call the service)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="10", hour="16"))  # Huey's crontab reads UTC
def registrations_lapse_task() -> int:
    """00:10 every day, Beijing time: reports unconfirmed for 30 days lapse."""
    from xinjumin.registrations.services import registrations_lapse

    return registrations_lapse()
