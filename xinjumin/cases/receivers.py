"""records.signals.records_changed → a decision that set a department's record aside goes
back to a reviewer when the department sends a new version of it (domain.md §9.1)."""

from __future__ import annotations

from typing import Any


def on_records_changed(sender: Any, replaced_keys: set[tuple[str, str]] | None = None,
                       **kwargs: Any) -> None:
    """Sent after commit; the reopening is its own transaction per case."""
    if replaced_keys:
        from xinjumin.cases.decisions import case_reopen

        case_reopen(keys=replaced_keys)
