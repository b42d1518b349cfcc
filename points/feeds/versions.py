"""Versions of records (feeds.md "Versions"), as pure functions.

Per (source, record_id) the highest version wins. `decide` says what one incoming record
does to what is stored for its key; the in-memory `RecordStore` and the platform's database
ingestion both apply it, so both follow the same rules:

- no stored version: upsert -> created, retract -> retracted (kept, so that a lower
  version arriving later is still ignored);
- type or id_number differs from the stored one -> identity_change (rejected, whatever
  the version: send a retraction and a new record instead);
- higher version: upsert -> updated (also when it revives a retracted record),
  retract -> retracted;
- same version: identical -> unchanged (a replay); different -> conflict (rejected, the
  first stays). Two retractions of the same version are identical whatever payload they
  repeat;
- lower version -> ignored.

The result after a set of records is independent of arrival order, except where the order
decides between records that the rules reject: of two same-version records that differ, and
of two records that differ in identity, the first to arrive stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .record import Record


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    IGNORED = "ignored"
    CONFLICT = "conflict"
    RETRACTED = "retracted"
    IDENTITY_CHANGE = "identity_change"

    @property
    def applies(self) -> bool:
        """Whether the incoming record replaces the stored state."""
        return self in (Outcome.CREATED, Outcome.UPDATED, Outcome.RETRACTED)

    @property
    def rejected(self) -> bool:
        """Whether the incoming record is an error to report to its sender."""
        return self in (Outcome.CONFLICT, Outcome.IDENTITY_CHANGE)


def same_content(a: Record, b: Record) -> bool:
    """Whether two records of the same key and version say the same thing.

    Retractions compare on their envelope only: their payload may be repeated or left out.
    """
    if a.op != b.op or a.type != b.type or a.id_number != b.id_number:
        return False
    return a.op == "retract" or dict(a.fields) == dict(b.fields)


def decide(existing: Record | None, incoming: Record) -> Outcome:
    """What `incoming` does, given the `existing` stored record of the same key (or None).

    `existing` is the latest accepted version, which may itself be a retraction
    (existing.op == "retract"). Pure: the caller stores `incoming` when the outcome
    `applies`.
    """
    if existing is None:
        return Outcome.RETRACTED if incoming.op == "retract" else Outcome.CREATED
    if existing.key != incoming.key:
        raise ValueError("decide() compares two versions of the same (source, record_id)")
    if existing.type != incoming.type or existing.id_number != incoming.id_number:
        return Outcome.IDENTITY_CHANGE
    if incoming.version > existing.version:
        return Outcome.RETRACTED if incoming.op == "retract" else Outcome.UPDATED
    if incoming.version < existing.version:
        return Outcome.IGNORED
    return Outcome.UNCHANGED if same_content(existing, incoming) else Outcome.CONFLICT


class RecordStore:
    """Records by (source, record_id), applied in arrival order with `decide`."""

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str], Record] = {}

    def apply(self, record: Record) -> Outcome:
        """Apply one record; return its outcome."""
        key = record.key
        outcome = decide(self._latest.get(key), record)
        if outcome.applies:
            self._latest[key] = record
        return outcome

    def apply_all(self, records: Iterable[Record]) -> list[Outcome]:
        """Apply records in order; one outcome per record."""
        return [self.apply(r) for r in records]

    def get(self, source: str, record_id: str) -> Record | None:
        """The latest accepted version (possibly a retraction), or None."""
        return self._latest.get((source, record_id))

    def live(self) -> list[Record]:
        """The records in force: latest versions that are not retractions, in order of
        their key's first arrival."""
        return [r for r in self._latest.values() if r.op != "retract"]

    def __len__(self) -> int:
        return len(self._latest)


def current_records(records: Iterable[Record]) -> list[Record]:
    """The live records after applying `records` in arrival order (see module docstring)."""
    store = RecordStore()
    for r in records:
        store.apply(r)
    return store.live()
