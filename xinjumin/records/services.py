"""Ingesting department records (feeds.md "Versions"): files, uploads and API batches.

Rows are read and validated by points.feeds (readers / RowParser) and decided by
points.feeds.versions.decide; this module only stores the outcome. Work is done in chunks,
each in one transaction: one SELECT of the current versions of the chunk's keys, the
decisions (a row sees the earlier rows of its chunk), then bulk writes, the batch counts,
and after commit the `records_changed` signal. Each row is all-or-nothing; a killed import
run again ends in the same state as one clean run (applied rows come back "unchanged").
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
from os import PathLike
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from points.feeds.parse import RowError, RowParser
from points.feeds.readers import FileError, read_file
from points.feeds.record import Record
from points.feeds.versions import Outcome, decide
from xinjumin.audit.services import audit_record
from xinjumin.records.codec import mask_ids
from xinjumin.records.models import (
    ImportBatch,
    RecordVersion,
    RowRejection,
    SourceRecord,
    complex_id_in,
)
from xinjumin.records.pipeline import Item, Prepared, prepared_chunks, proxy
from xinjumin.records.signals import records_changed
from xinjumin.records.store import (
    db_datetime,
    insert_rows,
    select_current,
    supersede_current,
    tuned_connection,
)

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000
KILL_HOOK_ENV = "XJM_RECORDS_TEST_KILL_IN_CHUNK"  # tests only: SIGKILL inside chunk N
_RETRIES = 3

_EXISTING = ("pk", "source", "record_id", "type", "version", "op", "subject_hash",
             "linked_hash", "digest", "first_received_at")
_CURRENT_COLUMNS = ("source", "record_id", "type", "version", "op", "subject_hash",
                    "id_number", "linked_hash", "linked_id_number", "complex_id", "fields",
                    "digest", "batch_id", "received_at", "first_received_at")
_VERSION_COLUMNS = ("source", "record_id", "type", "version", "op", "linked_id_number",
                    "fields", "digest", "batch_id", "received_at")

SourceScope = tuple[str, Collection[str]]
_OUTCOME = {o: (o.value, o.applies, o.rejected) for o in Outcome}
# decide(None, r) for each op (its rule: no stored version -> the outcome of `op` alone).
_FIRST = {op: decide(None, Record("", "", "", 1, op, None)) for op in ("upsert", "retract")}
RowInput = Record | list[RowError]


def _rejection(batch: ImportBatch, row: int, record_id: str | None, source: str,
               type_: str, field: str | None, code: str, zh: str, en: str) -> RowRejection:
    return RowRejection(batch=batch, row=row, record_id=(record_id or "")[:64],
                        source=source or "", type=type_ or "", field=(field or "")[:64],
                        code=code[:40], message=mask_ids(zh), message_en=mask_ids(en))


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


class _Chunk:
    """The decisions and writes of one chunk (one transaction)."""

    def __init__(self, batch: ImportBatch, scope: SourceScope | None) -> None:
        self.batch, self.scope = batch, scope

    def run(self, items: list[Item], outcomes: list[dict[str, Any]] | None) -> dict[str, int]:
        now = timezone.now()
        batch = self.batch
        counts = dict.fromkeys(ImportBatch.COUNTS, 0)
        rejections: list[RowRejection] = []
        accepted: list[tuple[int, Prepared]] = []
        scope = self.scope
        for row, result in items:
            if type(result) is Prepared:
                if scope is None or (result.source == scope[0] and result.type in scope[1]):
                    accepted.append((row, result))
                    continue
                counts["rejected"] += 1
                rejections.append(_rejection(
                    batch, row, result.record_id, result.source, result.type, "type",
                    "type_not_allowed",
                    f"此接口密钥不能发送 {result.source} 的 {result.type} 记录",
                    f"this API key may not send {result.type} records of "
                    f"{result.source}"))
                _note(outcomes, row, result.record_id, "rejected", rejections[-1:])
            else:
                assert isinstance(result, list)
                counts["rejected"] += 1
                errs = [_rejection(batch, row, e.record_id, "", "", e.field, e.code,
                                   e.message, e.message_en) for e in result]
                rejections.extend(errs)
                _note(outcomes, row, result[0].record_id if result else None, "rejected",
                      errs)
        existing: dict[tuple[str, str], tuple[Any, ...]] = {}
        for e in select_current({(p[0], p[1]) for _, p in accepted}, _EXISTING):
            existing[(e[1], e[2])] = e
        # Per key: the stored version as `decide` compares it (a Record with hashes and
        # digest), or the Prepared row applied earlier in this chunk.
        state: dict[tuple[str, str], Any] = {
            k: Record(e[1], e[3], e[2], e[4], e[5], e[6] or None, {"": e[8]})
            for k, e in existing.items()}
        new_current: dict[tuple[str, str], tuple[Any, ...]] = {}
        versions: list[tuple[Any, ...]] = []  # superseded within the chunk
        rents: set[str] = set()
        tail = (batch.pk, db_datetime(now))  # batch_id, received_at
        first_tail = (*tail, tail[1])  # + first_received_at of a new key
        for row, p in accepted:
            key = (p[0], p[1])
            stored = state.get(key)
            if stored is None:  # nothing stored: decide(None, r) depends on `op` alone
                outcome = _FIRST.get(p.op) or decide(None, proxy(p))
            else:
                if type(stored) is Prepared:
                    stored = proxy(stored)
                outcome = decide(stored, proxy(p))
            value, applies, rejected = _OUTCOME[outcome]
            if rejected:
                counts["conflict" if outcome is Outcome.CONFLICT else "rejected"] += 1
                rejections.append(_outcome_rejection(batch, row, p, outcome))
                _note(outcomes, row, p.record_id, value, rejections[-1:])
                continue
            counts[value] += 1
            if outcomes is not None:
                _note(outcomes, row, p.record_id, value, ())
            if not applies:
                continue
            state[key] = p  # made a proxy only if a later row of the chunk needs it
            superseded = new_current.get(key)
            if superseded is not None:  # an earlier version in this chunk: keep it
                versions.append(superseded)
            old = existing.get(key)
            new_current[key] = p + (first_tail if old is None else
                                    (*tail, db_datetime(old[9])))
            if p[2] == "complex_rent" and p.complex_id:
                rents.add(p.complex_id)
        # Everyone whose score may change: the subjects and linked persons of the new
        # versions (and of those superseded within the chunk), and the linked persons of
        # the stored versions they replace.
        touched = {c[5] for c in new_current.values()}
        touched.update(c[7] for c in new_current.values())
        touched.update(c[7] for c in versions)
        touched.update(existing[k][7] for k in new_current if k in existing)
        # History: the versions this chunk supersedes (the stored ones, moved server-side,
        # and those superseded within the chunk); the current versions stay in
        # SourceRecord only (complete history = RecordVersion + SourceRecord).
        supersede_current([existing[k][0] for k in new_current if k in existing])
        insert_rows(RecordVersion, _VERSION_COLUMNS, [_as_version(v) for v in versions])
        insert_rows(SourceRecord, _CURRENT_COLUMNS, list(new_current.values()))
        RowRejection.objects.bulk_create(rejections, batch_size=500)
        if rents:
            touched.update(SourceRecord.objects.filter(
                complex_id_in(rents), type="lease", op="upsert",
            ).values_list("subject_hash", flat=True))
        touched.discard("")
        counts["rows"] = len(items)
        ImportBatch.objects.filter(pk=batch.pk).update(**{
            name: F(name) + n for name, n in counts.items() if n})
        if touched:
            transaction.on_commit(lambda: records_changed.send(
                sender=ImportBatch, batch=batch, subject_hashes=touched))
        return counts


def _as_version(current: tuple[Any, ...]) -> tuple[Any, ...]:
    """A SourceRecord row (_CURRENT_COLUMNS) as a RecordVersion row (_VERSION_COLUMNS)."""
    return (*current[:5], current[8], current[10], current[11], current[12], current[13])


def _note(outcomes: list[dict[str, Any]] | None, row: int, record_id: str | None,
          outcome: str, errors: Iterable[RowRejection]) -> None:
    if outcomes is not None:
        outcomes.append({"row": row, "record_id": record_id, "outcome": outcome,
                         "errors": [{"field": e.field or None, "code": e.code,
                                     "message": e.message, "message_en": e.message_en}
                                    for e in errors]})


def _batch_start(*, channel: str, file_name: str = "", actor: Any = None,
                 api_key_id: int | None = None, source: str = "") -> ImportBatch:
    return ImportBatch.objects.create(
        channel=channel, file_name=file_name[:255], actor=actor if getattr(
            actor, "pk", None) else None, api_key_id=api_key_id, source=source,
        started_at=timezone.now())


def _commit_chunk(work: _Chunk, chunk: list[Item],
                  outcomes: list[dict[str, Any]] | None, *, kill: bool) -> dict[str, int]:
    """One chunk in one transaction; retried when a concurrent import stored one of its
    keys first (the retry reads the new state)."""
    for attempt in range(_RETRIES):
        mark = len(outcomes) if outcomes is not None else 0
        try:
            with transaction.atomic():
                counts = work.run(chunk, outcomes)
                if kill:  # the test hook: die with the chunk written but not committed
                    os.kill(os.getpid(), signal.SIGKILL)
            return counts
        except IntegrityError:
            if outcomes is not None:
                del outcomes[mark:]
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
         scope: SourceScope | None, outcomes: list[dict[str, Any]] | None,
         actor: Any) -> ImportBatch:
    with _gc_relaxed(), tuned_connection():
        return _run_chunks(batch, items, chunk_size=chunk_size, scope=scope,
                           outcomes=outcomes, actor=actor)


def _run_chunks(batch: ImportBatch, items: Iterable[tuple[int, RowInput]], *,
                chunk_size: int, scope: SourceScope | None,
                outcomes: list[dict[str, Any]] | None, actor: Any) -> ImportBatch:
    sources: set[str] = set()
    kill_at = int(os.environ.get(KILL_HOOK_ENV, "0") or 0)
    chunks = prepared_chunks(items, chunk_size)
    try:
        for n, chunk in enumerate(chunks, 1):
            sources.update(p.source for _, p in chunk if type(p) is Prepared)
            counts = _commit_chunk(_Chunk(batch, scope), chunk, outcomes,
                                   kill=n == kill_at)
            for name, value in counts.items():
                setattr(batch, name, getattr(batch, name) + value)
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
    return batch


def records_import_file(*, path: str | PathLike[str], channel: str = "file",
                        actor: Any = None, chunk_size: int = CHUNK_SIZE,
                        today: dt.date | None = None,
                        file_name: str | None = None) -> ImportBatch:
    """Import one feed file (.jsonl, .csv UTF-8/GBK, .xlsx, .parquet) as one batch.

    Bad rows are rejected (RowRejection: row number, field, code, reasons in Chinese and
    English) and nothing of them is stored; the good rows are applied. A file rejected
    whole (unreadable, wrong encoding, no header) gives a batch with status "failed" and
    one rejection at row 0. `channel` is "file" (command line) or "upload" (back office).
    """
    path = Path(path)
    batch = _batch_start(channel=channel, file_name=file_name or path.name, actor=actor)
    try:
        rows = read_file(path, today=today)
    except FileError as e:
        with transaction.atomic():
            RowRejection.objects.create(batch=batch, row=0, code=e.code[:40],
                                        message=mask_ids(e.message),
                                        message_en=mask_ids(e.message_en))
            batch.status = ImportBatch.Status.FAILED
            batch.error = e.message_en
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "error", "finished_at"])
            audit_record(action="records.import", object_type="import_batch",
                         object_id=batch.pk, actor=actor,
                         detail={"channel": channel, "file": batch.file_name,
                                 "failed": e.code})
        return batch
    return _run(batch, rows, chunk_size=chunk_size, scope=None, outcomes=None, actor=actor)


def records_ingest(*, rows: Iterable[Any], source_scope: SourceScope | None = None,
                   channel: str = "api", actor: Any = None, api_key_id: int | None = None,
                   today: dt.date | None = None,
                   chunk_size: int = CHUNK_SIZE) -> tuple[ImportBatch, list[dict[str, Any]]]:
    """Ingest a batch of records (an API call): raw dicts (validated here, numbered from 0
    as their index in the batch), `(row, Record | list[RowError])` pairs from points.feeds,
    or Records. `source_scope` = (source, allowed types) of the API key: other rows are
    rejected "type_not_allowed". Returns the batch and one outcome per row, in order:
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

    batch = _batch_start(channel=channel, actor=actor, api_key_id=api_key_id,
                         source=source_scope[0] if source_scope else "")
    outcomes: list[dict[str, Any]] = []
    _run(batch, items(), chunk_size=chunk_size, scope=source_scope, outcomes=outcomes,
         actor=actor)
    outcomes.sort(key=lambda o: o["row"])
    return batch, outcomes
