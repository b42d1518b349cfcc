"""Ingesting department records (feeds.md "Versions"): files, uploads and API batches.

Rows are read and validated by points.feeds (readers / RowParser) and decided by
points.feeds.versions.decide; this module only stores the outcome. Work is done in chunks
(rows prepared ahead by records.pipeline: hashes, ciphertexts, payload JSON, digest), each
in one transaction, by the steps of `_Chunk`: screen the rows, one SELECT of the stored
versions of the chunk's keys, decide (a row sees the earlier rows of its chunk), write the
history, the current rows and the rejections, find whom to re-score, add the batch counts;
after commit the `records_changed` signal. Each row is all-or-nothing; a killed import
run again ends in the same state as one clean run (applied rows come back "unchanged").

A batch names its process and beats at every chunk; `records_mark_interrupted` marks the
running batches whose process is gone (killed) "interrupted", with an audit event
(records.import_interrupted): at the worker's start, every few minutes (records.tasks)
and before each new import.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import signal
import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from points import (
    PLATFORM_RECORD_PREFIX,
    PLATFORM_SOURCE,
    FileError,
    Outcome,
    Record,
    RowError,
    RowParser,
    control_character,
    decide,
    read_file,
)
from xinjumin.audit.services import audit_record
from xinjumin.core.owners import Owners, this_host
from xinjumin.records.codec import compared_form, mask_ids
from xinjumin.records.models import (
    ImportBatch,
    RecordVersion,
    RowRejection,
    SourceRecord,
    complex_id_in,
)
from xinjumin.records.pipeline import Item, Prepared, current_row, prepared_chunks
from xinjumin.records.signals import records_changed
from xinjumin.records.store import (
    CurrentRow,
    StoredVersion,
    db_datetime,
    insert_rows,
    select_current,
    supersede_current,
    tuned_connection,
    version_row,
)

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000
STALE_AFTER = dt.timedelta(minutes=10)  # a running batch without a heartbeat for this long
KILL_HOOK_ENV = "XJM_RECORDS_TEST_KILL_IN_CHUNK"  # tests only: SIGKILL inside chunk N
_RETRIES = 3

SourceScope = tuple[str, Collection[str]]
Key = tuple[str, str]  # (source, record_id): versions are per key
_OUTCOME = {o: (o.value, o.applies, o.rejected) for o in Outcome}
# decide(None, r) for each op (its rule: no stored version -> the outcome of `op` alone).
_FIRST = {op: decide(None, Record("", "", "", 1, op, None)) for op in ("upsert", "retract")}
RowInput = Record | list[RowError]
RowOutcome = dict[str, Any]  # {row, record_id, outcome, errors}: see records_ingest


def _text(value: str | None, most: int) -> str:
    """A value for a text column: control characters written out (PostgreSQL refuses
    NUL in text), cut to `most` characters."""
    value = (value or "")[:most]
    if control_character(value) is None:
        return value
    return "".join(c if control_character(c) is None else repr(c)[1:-1] for c in value)[:most]


def _rejection(batch: ImportBatch, row: int, record_id: str | None, source: str,
               type_: str, field: str | None, code: str, zh: str, en: str) -> RowRejection:
    return RowRejection(batch=batch, row=row, record_id=_text(record_id, 64),
                        source=_text(source, 16), type=_text(type_, 32),
                        field=_text(field, 64), code=_text(code, 40),
                        message=_text(mask_ids(zh), 4000), message_en=_text(mask_ids(en), 4000))


def _outcome_rejection(batch: ImportBatch, row: int, r: Prepared,
                       outcome: Outcome) -> RowRejection:
    if outcome is Outcome.CONFLICT:
        return _rejection(
            batch, row, r.record_id, r.source, r.type, "version", "conflict",
            f"记录 {r.source}:{r.record_id} 的版本 {r.version} 已收到且内容不同; "
            "同一版本不能修改, 请以更高的版本号发送更正 (先收到的内容保留)",
            f"record {r.source}:{r.record_id} version {r.version} was already received with "
            "other content; a version cannot change: send the correction with a higher "
            "version (the first content stays)")
    return _rejection(
        batch, row, r.record_id, r.source, r.type, "id_number", "identity_change",
        f"记录 {r.source}:{r.record_id} 已以另一记录类型或另一身份证号码收到; "
        "记录不能改变类型或主体, 请先撤回该记录再以新的记录编号发送",
        f"record {r.source}:{r.record_id} was received with another type or ID number; a "
        "record cannot change its type or subject: retract it and send a new record")


def _scope_rejection(batch: ImportBatch, row: int, r: Prepared) -> RowRejection:
    return _rejection(batch, row, r.record_id, r.source, r.type, "type", "type_not_allowed",
                      f"此接口密钥不能发送 {r.source} 的 {r.type} 记录",
                      f"this API key may not send {r.type} records of {r.source}")


def platform_only(source: str, record_id: str) -> bool:
    """Whether a record is the platform's own (domain §9.1): of source XJM (its
    record_override decisions), or under a department's source with a record_id in its
    namespace `XJM-` (its registrations and permits, accepted evidence)."""
    return source == PLATFORM_SOURCE or record_id.startswith(PLATFORM_RECORD_PREFIX)


def _platform_rejection(batch: ImportBatch, row: int, r: Prepared) -> RowRejection:
    """A department (API key) or an operator's file sent a record only the platform
    writes."""
    ref = f"{r.source}:{r.record_id}"
    if r.source == PLATFORM_SOURCE:
        return _rejection(
            batch, row, r.record_id, r.source, r.type, "source", "platform_record",
            f"来源 {PLATFORM_SOURCE} 的记录 ({r.type}, {ref}) 是平台自身的决定, 只能由平台写入, "
            "不能通过接口或文件导入发送; 对记录有异议请在平台提出复核",
            f"records of source {PLATFORM_SOURCE} ({r.type}, {ref}) are the platform's own "
            "decisions: only the platform writes them, never an API call or a file import; "
            "to contest a record, ask for a review on the platform")
    return _rejection(
        batch, row, r.record_id, r.source, r.type, "record_id", "platform_record",
        f"记录编号以 {PLATFORM_RECORD_PREFIX} 开头的记录 ({ref}) 由平台写入, 不能通过接口或"
        f"文件导入发送; 请使用本部门自己的记录编号 (不以 {PLATFORM_RECORD_PREFIX} 开头)",
        f"record ids starting {PLATFORM_RECORD_PREFIX} ({ref}) are the platform's own: only "
        "the platform writes them, never an API call or a file import; use your department's "
        f"own record ids (not starting {PLATFORM_RECORD_PREFIX})")


@dataclass(slots=True)
class Applied:
    """What one chunk's decisions apply."""

    current: dict[Key, CurrentRow]  # the new current version of each key
    superseded: list[CurrentRow]  # versions replaced by a later one of the same chunk
    rent_complexes: set[str]  # complexes whose complex_rent changed


class ChunkResult(NamedTuple):
    """A committed chunk: its counts (ImportBatch.COUNTS and "rows"), and one outcome per
    row when they were asked for (records_ingest), else none."""

    counts: dict[str, int]
    outcomes: list[RowOutcome]


class _Chunk:
    """The work of one chunk, in one transaction: `run` calls the steps below in order.

    `platform`: the rows are the platform's own writes (records_ingest without a source
    scope), which alone may carry its records (`platform_only`)."""

    def __init__(self, batch: ImportBatch, scope: SourceScope | None, *,
                 report: bool, platform: bool) -> None:
        self.batch, self.scope, self.report = batch, scope, report
        self.platform = platform
        self.counts = dict.fromkeys(ImportBatch.COUNTS, 0)
        self.rejections: list[RowRejection] = []
        self.outcomes: list[RowOutcome] = []

    def run(self, items: list[Item]) -> ChunkResult:
        """Screen the rows, decide them against what is stored, write, count, announce."""
        received_at = db_datetime(timezone.now())
        accepted = self.screen(items)
        stored = select_current({(p.source, p.record_id) for _, p in accepted})
        applied = self.decide(accepted, stored, received_at)
        self.write_history(stored, applied)
        self.write_current(applied)
        self.write_rejections()
        self.announce(self.touched(stored, applied),
                      {k for k in applied.current if k in stored and not platform_only(*k)})
        self.add_counts(rows=len(items))
        return ChunkResult(self.counts, self.outcomes)

    def screen(self, items: list[Item]) -> list[tuple[int, Prepared]]:
        """The valid rows in order; bad rows, types the API key may not send and (unless
        the platform writes) the platform's own records rejected."""
        scope, batch, platform = self.scope, self.batch, self.platform
        accepted: list[tuple[int, Prepared]] = []
        for row, result in items:
            if type(result) is Prepared:
                if not platform and platform_only(result.source, result.record_id):
                    self.reject(row, result.record_id,
                                [_platform_rejection(batch, row, result)])
                elif scope is None or (result.source == scope[0]
                                       and result.type in scope[1]):
                    accepted.append((row, result))
                else:
                    self.reject(row, result.record_id, [_scope_rejection(batch, row, result)])
            else:
                assert isinstance(result, list)
                self.reject(row, result[0].record_id if result else None, [
                    _rejection(batch, row, e.record_id, "", "", e.field, e.code, e.message,
                               e.message_en) for e in result])
        return accepted

    def decide(self, accepted: list[tuple[int, Prepared]], stored: dict[Key, StoredVersion],
               received_at: Any) -> Applied:
        """Each row's outcome against its key's latest version (stored, or earlier here)."""
        # A row sees the rows of its chunk before it: `latest` holds what the last applied
        # one left. Every row is counted; rejected ones get their reason, applied ones
        # become the key's current row (the one they replace in this chunk goes to
        # `superseded`).
        counts, report, batch, batch_id = self.counts, self.report, self.batch, self.batch.pk
        latest: dict[Key, StoredVersion | Prepared] = dict(stored)
        applied = Applied({}, [], set())
        current, superseded = applied.current, applied.superseded
        for row, p in accepted:
            key = (p.source, p.record_id)
            before = latest.get(key)
            if before is None:  # nothing stored: decide(None, r) depends on `op` alone
                outcome = _FIRST.get(p.op) or decide(None, compared_form(p))
            else:
                outcome = decide(compared_form(before), compared_form(p))
            value, applies, rejected = _OUTCOME[outcome]
            if rejected:
                self.reject(row, p.record_id, [_outcome_rejection(batch, row, p, outcome)],
                            outcome=value,
                            counted_as="conflict" if outcome is Outcome.CONFLICT else None)
                continue
            counts[value] += 1
            if report:
                self.note(row, p.record_id, value, ())
            if not applies:
                continue
            latest[key] = p
            replaced = current.get(key)
            if replaced is not None:  # an earlier version in this chunk: keep it
                superseded.append(replaced)
            old = stored.get(key)
            current[key] = current_row(p, batch_id, received_at, received_at if old is None
                                       else db_datetime(old.first_received_at))
            if p.type == "complex_rent" and p.complex_id:
                applied.rent_complexes.add(p.complex_id)
        return applied

    def write_history(self, stored: dict[Key, StoredVersion], applied: Applied) -> None:
        """The replaced versions into RecordVersion: the stored ones, then the chunk's own."""
        # The stored ones are moved server-side; the current versions stay in SourceRecord
        # only (complete history = RecordVersion + SourceRecord).
        supersede_current([stored[k].pk for k in applied.current if k in stored])
        insert_rows(RecordVersion, [version_row(c) for c in applied.superseded])

    def write_current(self, applied: Applied) -> None:
        """The new current versions into SourceRecord."""
        insert_rows(SourceRecord, list(applied.current.values()))

    def write_rejections(self) -> None:
        """The rejected rows' reasons (RowRejection)."""
        RowRejection.objects.bulk_create(self.rejections, batch_size=500)

    def touched(self, stored: dict[Key, StoredVersion], applied: Applied) -> set[str]:
        """The keyed hashes of everyone whose score this chunk's versions may change."""
        # The subjects and linked persons of the new versions and of those superseded
        # within the chunk, the linked persons of the stored versions they replace (a
        # marriage's former spouse), the lessees of the complexes whose rent changed.
        current = applied.current
        touched = {c.subject_hash for c in current.values()}
        touched.update(c.linked_hash for c in current.values())
        touched.update(c.linked_hash for c in applied.superseded)
        touched.update(stored[k].linked_hash for k in current if k in stored)
        if applied.rent_complexes:  # read after write_current: this chunk's leases too
            touched.update(SourceRecord.objects.filter(
                complex_id_in(applied.rent_complexes), type="lease", op="upsert",
            ).values_list("subject_hash", flat=True))
        touched.discard("")
        return touched

    def announce(self, touched: set[str], replaced: set[Key]) -> None:
        """`records_changed` for these people once the transaction commits; `replaced`:
        the departments' records this chunk gave a new version (a decision that set one
        aside goes back to a reviewer: cases.receivers)."""
        if touched or replaced:
            batch = self.batch
            transaction.on_commit(lambda: records_changed.send(
                sender=ImportBatch, batch=batch, subject_hashes=touched,
                replaced_keys=replaced))

    def add_counts(self, *, rows: int) -> None:
        """This chunk's counts added to its batch's (one UPDATE)."""
        self.counts["rows"] = rows
        ImportBatch.objects.filter(pk=self.batch.pk).update(heartbeat_at=timezone.now(), **{
            name: F(name) + n for name, n in self.counts.items() if n})

    def reject(self, row: int, record_id: str | None, errors: list[RowRejection], *,
               outcome: str = "rejected", counted_as: str | None = None) -> None:
        """A row rejected with these reasons (counted as "rejected" unless said)."""
        self.counts[counted_as or "rejected"] += 1
        self.rejections.extend(errors)
        if self.report:
            self.note(row, record_id, outcome, errors)

    def note(self, row: int, record_id: str | None, outcome: str,
             errors: Iterable[RowRejection]) -> None:
        """A row's outcome for the caller (records_ingest)."""
        self.outcomes.append({
            "row": row, "record_id": record_id, "outcome": outcome,
            "errors": [{"field": e.field or None, "code": e.code, "message": e.message,
                        "message_en": e.message_en} for e in errors]})


# The batches this process is running now (their owner is alive by definition).
_OWNERS = Owners()


def _batch_start(*, channel: str, file_name: str = "", actor: Any = None,
                 api_key_id: int | None = None, source: str = "") -> ImportBatch:
    now = timezone.now()
    batch = ImportBatch.objects.create(
        channel=channel, file_name=_text(file_name, 255), actor=actor if getattr(
            actor, "pk", None) else None, api_key_id=api_key_id, source=source,
        started_at=now, heartbeat_at=now, owner_host=this_host(), owner_pid=os.getpid())
    _OWNERS.start(batch.pk)
    return batch


def _batch_ended(batch: ImportBatch) -> None:
    _OWNERS.end(batch.pk)


def _owner_gone(batch: ImportBatch, now: dt.datetime, stale_after: dt.timedelta) -> bool:
    """Whether the process of a running batch is gone: on this host, its pid no longer
    runs (or is this process, which is not running it: the pid was reused); anywhere,
    its heartbeat is older than `stale_after`."""
    return _OWNERS.gone(pk=batch.pk, host=batch.owner_host, pid=batch.owner_pid,
                        beat=batch.heartbeat_at or batch.started_at, now=now,
                        stale_after=stale_after)


def records_mark_interrupted(*, stale_after: dt.timedelta = STALE_AFTER) -> list[int]:
    """Mark "interrupted" every running batch whose process is gone (see _owner_gone),
    each with an audit event records.import_interrupted (batch id, rows committed, the
    counts). Its committed chunks stay: importing the same rows again completes them
    (they come back "unchanged", nothing is counted twice). Exactly once per batch: the
    UPDATE is conditional on the batch still running with the heartbeat seen. Returns
    the ids of the batches marked."""
    now = timezone.now()
    marked: list[int] = []
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING):
        if not _owner_gone(batch, now, stale_after):
            continue
        with transaction.atomic():
            done = ImportBatch.objects.filter(
                pk=batch.pk, status=ImportBatch.Status.RUNNING,
                heartbeat_at=batch.heartbeat_at,
            ).update(status=ImportBatch.Status.INTERRUPTED, finished_at=now,
                     error="interrupted: its process stopped before the end "
                           f"({batch.owner_host} pid {batch.owner_pid})"[:2000])
            if not done:  # it moved on meanwhile, or another process marked it
                continue
            audit_record(action="records.import_interrupted", object_type="import_batch",
                         object_id=batch.pk, actor="system",
                         detail={"batch": batch.pk, "rows": batch.rows,
                                 "channel": batch.channel, "file": batch.file_name,
                                 "source": batch.source,
                                 "last_heartbeat": (batch.heartbeat_at or batch.started_at
                                                    ).isoformat(),
                                 **batch.counts()})
        log.warning("import batch %s marked interrupted after %s committed rows",
                    batch.pk, batch.rows)
        marked.append(batch.pk)
    return marked


def _commit_chunk(batch: ImportBatch, scope: SourceScope | None, chunk: list[Item], *,
                  report: bool, platform: bool, kill: bool) -> ChunkResult:
    """One chunk in one transaction; retried when a concurrent import stored one of its
    keys first (the retry reads the new state)."""
    for attempt in range(_RETRIES):
        try:
            with transaction.atomic():
                result = _Chunk(batch, scope, report=report, platform=platform).run(chunk)
                if kill:  # the test hook: die with the chunk written but not committed
                    os.kill(os.getpid(), signal.SIGKILL)
            return result
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _batch_failed(batch: ImportBatch, error: Exception) -> None:
    """Mark a batch failed (its committed chunks stay: running it again completes it)."""
    try:
        with transaction.atomic():
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.FAILED, finished_at=timezone.now(),
                error=f"{type(error).__name__}: {error}"[:2000])
    except Exception:  # the original error is what matters
        log.exception("could not mark import batch %s failed", batch.pk)


_GC_LOCK = threading.Lock()
_GC_STATE: dict[str, Any] = {"depth": 0, "threshold": None}


@contextmanager
def _gc_relaxed() -> Iterator[None]:
    """The cyclic garbage collector kept out of the way while imports run: the objects
    alive before are frozen (each full collection would otherwise walk the whole process,
    Django and the caches, again) and young collections wait for 50,000 new containers
    instead of 700 (an import allocates millions of short-lived ones, freed by reference
    counting). Measured: ~10% of an import's CPU. Restored when the last import ends."""
    with _GC_LOCK:
        if _GC_STATE["depth"] == 0:
            threshold = gc.get_threshold()
            _GC_STATE["threshold"] = threshold
            gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
            gc.freeze()
        _GC_STATE["depth"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_STATE["depth"] -= 1
            if _GC_STATE["depth"] == 0:
                gc.unfreeze()
                gc.set_threshold(*_GC_STATE["threshold"])


def _run(batch: ImportBatch, items: Iterable[tuple[int, RowInput]], *, chunk_size: int,
         scope: SourceScope | None, report: bool, platform: bool,
         actor: Any) -> list[RowOutcome]:
    try:
        with _gc_relaxed(), tuned_connection():
            return _run_chunks(batch, items, chunk_size=chunk_size, scope=scope,
                               report=report, platform=platform, actor=actor)
    finally:
        _batch_ended(batch)


def _run_chunks(batch: ImportBatch, items: Iterable[tuple[int, RowInput]], *,
                chunk_size: int, scope: SourceScope | None, report: bool, platform: bool,
                actor: Any) -> list[RowOutcome]:
    """The chunks one after the other, then the batch marked done and audited; the rows'
    outcomes when `report` (in chunk order)."""
    sources: set[str] = set()
    outcomes: list[RowOutcome] = []
    kill_at = int(os.environ.get(KILL_HOOK_ENV, "0") or 0)
    chunks = prepared_chunks(items, chunk_size)
    try:
        for n, chunk in enumerate(chunks, 1):
            sources.update(p.source for _, p in chunk if type(p) is Prepared)
            result = _commit_chunk(batch, scope, chunk, report=report, platform=platform,
                                   kill=n == kill_at)
            for name, value in result.counts.items():
                setattr(batch, name, getattr(batch, name) + value)
            outcomes.extend(result.outcomes)
    except Exception as e:
        _batch_failed(batch, e)
        raise
    finally:
        chunks.close()  # stops the producer thread if we stopped early
    with transaction.atomic():
        batch.status = ImportBatch.Status.DONE
        batch.finished_at = timezone.now()
        if not batch.source:
            batch.source = sources.pop() if len(sources) == 1 else (
                "mixed" if sources else "")
        batch.save(update_fields=["status", "finished_at", "source"])
        audit_record(action="records.import", object_type="import_batch",
                     object_id=batch.pk, actor=actor,
                     detail={"channel": batch.channel, "file": batch.file_name,
                             "source": batch.source, "rows": batch.rows,
                             **batch.counts()})
    return outcomes


def records_import_file(*, path: str | PathLike[str], channel: str = "file",
                        actor: Any = None, chunk_size: int = CHUNK_SIZE,
                        today: dt.date | None = None,
                        file_name: str | None = None) -> ImportBatch:
    """Import one feed file (.jsonl, .csv UTF-8/GBK, .xlsx, .parquet) as one batch.

    Bad rows are rejected (RowRejection: row number, field, code, reasons in Chinese and
    English) and nothing of them is stored; the good rows are applied. A file rejected
    whole (unreadable, wrong encoding, no header) gives a batch with status "failed" and
    one rejection at row 0. `channel` is "file" (command line) or "upload" (back office).
    A file is an operator's or a department's, never the platform's: its records of source
    XJM and record ids starting XJM- are rejected "platform_record" (domain §9.1).
    """
    path = Path(path)
    records_mark_interrupted()  # a killed run of this file before: marked, then completed
    batch = _batch_start(channel=channel, file_name=file_name or path.name, actor=actor)
    try:
        rows = read_file(path, today=today)
    except FileError as e:
        _batch_ended(batch)
        _file_rejected(batch, e, actor)
        return batch
    try:
        _run(batch, rows, chunk_size=chunk_size, scope=None, report=False, platform=False,
             actor=actor)
    except FileError as e:  # damaged further on (.xlsx, Parquet): the rows before stay
        _file_rejected(batch, e, actor)
    return batch


def _file_rejected(batch: ImportBatch, e: FileError, actor: Any) -> None:
    """A file rejected whole (or from some row on): one rejection at row 0, the batch
    failed (its committed chunks, if any, stay), audited."""
    with transaction.atomic():
        RowRejection.objects.create(batch=batch, row=0, code=e.code[:40],
                                    message=mask_ids(e.message)[:2000],
                                    message_en=mask_ids(e.message_en)[:2000])
        batch.status = ImportBatch.Status.FAILED
        batch.error = e.message_en[:2000]
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        audit_record(action="records.import", object_type="import_batch",
                     object_id=batch.pk, actor=actor,
                     detail={"channel": batch.channel, "file": batch.file_name,
                             "failed": e.code, "rows": batch.rows})


def records_ingest(*, rows: Iterable[Any], source_scope: SourceScope | None = None,
                   channel: str = "api", actor: Any = None, api_key_id: int | None = None,
                   today: dt.date | None = None,
                   chunk_size: int = CHUNK_SIZE) -> tuple[ImportBatch, list[dict[str, Any]]]:
    """Ingest a batch of records (an API call): raw dicts (validated here, numbered from 0
    as their index in the batch), `(row, Record | list[RowError])` pairs from points.feeds,
    or Records. `source_scope` = (source, allowed types) of the API key: other rows are
    rejected "type_not_allowed", and so are the platform's own records (source XJM, record
    ids starting XJM-: "platform_record", domain §9.1). Without a scope the rows are the
    platform's own writes (its services, the demo), trusted to carry those. Returns the
    batch and one outcome per row, in order:
    {row, record_id, outcome (created/updated/unchanged/ignored/retracted/conflict/
    identity_change/rejected), errors: [{field, code, message, message_en}]}."""
    parser = RowParser(today)

    def items() -> Iterator[tuple[int, RowInput]]:
        for i, item in enumerate(rows):
            if isinstance(item, Record):
                yield i, item
            elif isinstance(item, tuple):
                yield item
            else:
                yield i, parser.parse(item, row=i)

    records_mark_interrupted()
    batch = _batch_start(channel=channel, actor=actor, api_key_id=api_key_id,
                         source=source_scope[0] if source_scope else "")
    outcomes = _run(batch, items(), chunk_size=chunk_size, scope=source_scope, report=True,
                    platform=source_scope is None, actor=actor)
    outcomes.sort(key=lambda o: o["row"])
    return batch, outcomes
