"""Back-office tasks (thin: load by id, call the service). Huey runs them at once in tests."""

from __future__ import annotations

from pathlib import Path

from huey.contrib.djhuey import db_task


@db_task()
def feed_upload_task(path: str, file_name: str, actor_id: int) -> int:
    """Import an uploaded feed file (records.services.records_import_file, channel
    "upload"); the stored upload is removed afterwards. Returns the batch id."""
    from xinjumin.accounts.models import User
    from xinjumin.records.services import records_import_file

    actor = User.objects.filter(pk=actor_id).first()
    try:
        batch = records_import_file(path=path, channel="upload", actor=actor,
                                    file_name=file_name)
    finally:
        Path(path).unlink(missing_ok=True)
    return batch.pk
