"""records.signals.records_changed → queue a re-score of the subjects touched."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def on_records_changed(sender: Any, subject_hashes: set[str] | None = None,
                       **kwargs: Any) -> None:
    """Queue `rescore_subjects_task` after the commit (the signal is sent on commit; the
    on_commit here also holds when a sender emits it inside a transaction)."""
    hashes = sorted(h for h in (subject_hashes or ()) if h)
    if not hashes:
        return
    from xinjumin.scoring.tasks import rescore_subjects_task

    transaction.on_commit(lambda: rescore_subjects_task(hashes))
