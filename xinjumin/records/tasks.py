"""Import batches whose process died are marked interrupted (thin: the service does it).

At the worker's start (the batches of the worker that was killed before it) and every five
minutes (those of any other process: the web server's uploads and API calls, a command
line import): records.services.records_mark_interrupted.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, on_startup

from xinjumin.records.services import records_mark_interrupted


@on_startup()
@close_db
def mark_interrupted_imports_at_start() -> None:
    records_mark_interrupted()


@db_periodic_task(crontab(minute="*/5"))
def mark_interrupted_imports() -> list[int]:
    return records_mark_interrupted()
