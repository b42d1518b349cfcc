"""The nightly re-score: every registered resident with the population evaluator, stored.

    the records, read from the database into Polars (records.columnar, via
    sources.current_population: the subjects' keyed hashes come with them) →
    points.population (score_population) → a score frame → scoring.stored (the one
    writer: rows_frame, rows_encode, rows_write) → one transaction: the previous current
    rows stop being current, the new rows go in (COPY on PostgreSQL; on SQLite
    multi-row INSERTs that overwrite last night's row of the same subject, `_retire`).

A run is recorded "running" before it starts (committed: host, pid, a heartbeat at each
phase) and "done" in the transaction that stores the scores, so a killed run leaves the
previous scores untouched and its ScoreRun running; `scores_mark_interrupted` marks such a
run "interrupted" with an audit event (scoring.run_interrupted): before each nightly, at
the worker's start and every five minutes (scoring.tasks). Running it again stores each
resident's score once (one current row per subject: storedscore_one_current).

The population engine gives points per item but no record ids, so nightly rows have
`explanation = NULL`; `services.score_explain` explains a row on first read.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from points import DISTRICT_CODES, RuleSet, district_item_column, score_population
from xinjumin.audit.services import audit_record
from xinjumin.core.crypto import KeyedHasher
from xinjumin.core.owners import Owners, this_host
from xinjumin.people.models import Resident
from xinjumin.scoring import sources
from xinjumin.scoring.models import ScoreRun, StoredScore
from xinjumin.scoring.rulesets import rule_set_in_force
from xinjumin.scoring.stored import CITY, HOME, rows_encode, rows_frame, rows_write

log = logging.getLogger(__name__)

CHUNK = 500_000
# A running nightly whose heartbeat is older than this is taken as dead whatever its host
# (the store phase, one transaction, beats not; a city's takes minutes).
STALE_AFTER = dt.timedelta(hours=2)
SUBJECT_HASHES = Path("subjects") / "hashes.parquet"

def _subject_hashes(ids: pl.Series) -> pl.Series:
    """Resident.id_hash of each ID number (= core.crypto.keyed_hash(v, purpose="id"))."""
    hasher = KeyedHasher("id")
    return pl.Series("subject_hash", [hasher(v) for v in ids.to_list()], dtype=pl.String)


def _with_hashes(df: pl.DataFrame, feeds_dir: Path | None) -> pl.DataFrame:
    """Add subject_hash: from `subjects/hashes.parquet` (id_number, subject_hash) under the
    export directory when the export wrote one (the records app holds every subject's
    keyed hash already; a subfolder, so load_current does not take it for a feed), else
    computed here."""
    known = feeds_dir / SUBJECT_HASHES if feeds_dir else None
    if known is None or not known.is_file():
        return df.with_columns(subject_hash=_subject_hashes(df["id_number"]))
    df = df.join(pl.read_parquet(known, columns=["id_number", "subject_hash"])
                 .unique("id_number"), on="id_number", how="left")
    missing = df.filter(pl.col("subject_hash").is_null())["id_number"]
    if missing.len():
        filled = pl.DataFrame({"id_number": missing, "_h": _subject_hashes(missing)})
        df = df.join(filled, on="id_number", how="left").with_columns(
            subject_hash=pl.coalesce("subject_hash", "_h")).drop("_h")
    return df


def score_frame_of(results: pl.DataFrame, rule_set: RuleSet) -> pl.DataFrame:
    """A score_population result (with subject_hash, resident_id) as a score frame
    (scoring.stored): the row's district is the home district, its district items are the
    home district's."""
    city = {i.key: f"{CITY}:{i.key}" for i in rule_set.items}
    keys = {i.key for d in DISTRICT_CODES for i in rule_set.layer(d).items}
    home = {district_item_column(k, rule_set): f"{HOME}:{k}" for k in sorted(keys)}
    names = set(results.columns)
    return results.rename({"district": "home_district",
                           **{c: n for c, n in {**city, **home}.items() if c in names}})


def _residents_frame() -> pl.DataFrame:
    rows = list(Resident.objects.values_list("id_hash", "id"))
    return pl.DataFrame(rows, schema={"subject_hash": pl.String, "resident_id": pl.Int64},
                        orient="row")


def _retire(table: str, cutoff: dt.date) -> None:
    """Before tonight's rows go in: nightly rows as of before the cutoff are to go
    (current or not: tonight replaces them), the other current rows (event / on-demand
    rows, a same-day re-run) stay as history, no longer current.

    PostgreSQL: the rows to go are deleted here, the others flagged. SQLite: the others
    are flagged here; the rows to go that are current are overwritten in place by
    tonight's rows of the same subject (rows_write(replace_current=True)), and what is
    left of them is deleted after (`_delete_old`). For the city's second night
    (bench/bench_scoring.py, 5.1 M rows) deleting and inserting took 115 s + 76 s on
    SQLite, overwriting in place and the two scans 114 s + 30 s."""
    old = Q(source=StoredScore.Source.NIGHTLY, as_of__lt=cutoff)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -262144")
        StoredScore.objects.filter(is_current=True).exclude(old).update(is_current=False)
        return
    _delete_old(table, cutoff)
    StoredScore.objects.filter(is_current=True).update(is_current=False)


def _delete_old(table: str, cutoff: dt.date) -> None:
    """Delete the nightly rows as of before the cutoff."""
    # NOT INDEXED (SQLite): a sequential scan beats walking an index in hash order
    hint = " NOT INDEXED" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table}{hint} "  # noqa: S608
                    "WHERE source = %s AND as_of < %s",
                    [StoredScore.Source.NIGHTLY, cutoff.isoformat()])


def _hash_frame(frames: dict, feeds_dir: Path | None) -> pl.DataFrame:
    """(id_number, subject_hash) of every registration subject (a superset of the scored),
    computed (population read from files)."""
    ids = (frames["residence_registration"].select("id_number").unique().collect()
           ["id_number"])
    return _with_hashes(pl.DataFrame({"id_number": ids}), feeds_dir)


# The runs this process is running now (their owner is alive by definition).
_OWNERS = Owners()


def _owner_gone(run: ScoreRun, now: dt.datetime, stale_after: dt.timedelta) -> bool:
    """Whether the process of a running run is gone: on this host, its pid no longer runs
    (or is this process, which is not running it); anywhere, its heartbeat is older than
    `stale_after`."""
    return _OWNERS.gone(pk=run.pk, host=run.owner_host, pid=run.owner_pid,
                        beat=run.heartbeat_at or run.started_at, now=now,
                        stale_after=stale_after)


def _mark_interrupted(run: ScoreRun, now: dt.datetime, reason: str) -> bool:
    """Mark one running run interrupted, with its audit event; exactly once (conditional
    on the run still running with the heartbeat seen)."""
    with transaction.atomic():
        done = ScoreRun.objects.filter(
            pk=run.pk, status=ScoreRun.Status.RUNNING, heartbeat_at=run.heartbeat_at,
        ).update(status=ScoreRun.Status.INTERRUPTED, finished_at=now,
                 detail={**run.detail, "interrupted": reason})
        if not done:  # it ended meanwhile, or another process marked it
            return False
        audit_record(action="scoring.run_interrupted", object_type="score_run",
                     object_id=run.pk, actor="system",
                     detail={"run": run.pk, "kind": run.kind, "as_of": run.as_of.isoformat(),
                             "rule_set": run.rule_set_hash, "reason": reason,
                             "owner": f"{run.owner_host} pid {run.owner_pid}",
                             "last_heartbeat": (run.heartbeat_at or run.started_at
                                                ).isoformat()})
    log.warning("score run %s marked interrupted (%s)", run.pk, reason)
    return True


def scores_mark_interrupted(*, stale_after: dt.timedelta = STALE_AFTER) -> list[int]:
    """Mark "interrupted" every running re-score run whose process is gone (killed), each
    with an audit event scoring.run_interrupted. Nothing else changes: a killed run's
    store transaction never committed, so the previous scores stand. Returns the ids
    marked."""
    now = timezone.now()
    return [run.pk for run in ScoreRun.objects.filter(status=ScoreRun.Status.RUNNING)
            if _owner_gone(run, now, stale_after)
            and _mark_interrupted(run, now, "process gone")]


def _run_start(*, as_of: dt.date, rule_set_hash: str) -> ScoreRun:
    now = timezone.now()
    run = ScoreRun.objects.create(
        kind=ScoreRun.Kind.NIGHTLY, status=ScoreRun.Status.RUNNING, as_of=as_of,
        rule_set_hash=rule_set_hash, started_at=now, heartbeat_at=now, owner_host=this_host(),
        owner_pid=os.getpid())
    _OWNERS.start(run.pk)
    return run


def _beat(run: ScoreRun, phase: str) -> None:
    """A heartbeat between phases (committed; the store phase is one transaction)."""
    run.heartbeat_at = timezone.now()
    ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING).update(
        heartbeat_at=run.heartbeat_at, detail={"phase": phase})


def scores_rescore_all(*, as_of: dt.date | None = None, chunk: int = CHUNK,
                       keep_days: int | None = None) -> ScoreRun:
    """Nightly: score every registered resident as of D (default today) under the rule set
    in force, and store the results as everyone's current score in one transaction.
    Nightly rows as of more than `keep_days` before D (setting XJM_SCORING_KEEP_DAYS,
    default 0: only tonight's nightly rows are kept) are deleted first. Returns the
    ScoreRun with its count and timings (detail: seconds per phase)."""
    as_of = as_of or timezone.localdate()
    if keep_days is None:
        keep_days = int(getattr(settings, "XJM_SCORING_KEEP_DAYS", 0))
    rule_set = rule_set_in_force(as_of=as_of)
    scores_mark_interrupted()  # a killed run before this one: marked, then done again
    run = _run_start(as_of=as_of, rule_set_hash=rule_set.content_hash)
    try:
        return _rescore_all(as_of=as_of, rule_set=rule_set, chunk=chunk, keep_days=keep_days,
                            run=run)
    except BaseException as exc:
        run.refresh_from_db()
        _mark_interrupted(run, timezone.now(), f"error: {type(exc).__name__}")
        raise
    finally:
        _OWNERS.end(run.pk)


def _rescore_all(*, as_of: dt.date, rule_set: RuleSet, chunk: int, keep_days: int,
                 run: ScoreRun) -> ScoreRun:
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    vendor = connection.vendor
    # Python work (keyed hashes when the population comes from files, row encoding) runs
    # in a helper thread while Polars and the database work: encoding chunk i+1 overlaps
    # writing chunk i.
    with ThreadPoolExecutor(max_workers=1) as helper:
        population = sources.current_population()
        frames = population.frames
        timings.update({k: v for k, v in population.timings.items()
                        if k in ("read", "decrypt")})
        if population.hashes is not None:
            hashes: Any = population.hashes
        else:
            hashes = helper.submit(_hash_frame, frames, sources.feeds_dir())
        t = time.perf_counter()
        df = score_population(frames, as_of, rule_set)
        assert isinstance(df, pl.DataFrame)
        del frames, population
        timings["score"] = time.perf_counter() - t
        _beat(run, "score")
        t = time.perf_counter()
        if not isinstance(hashes, pl.DataFrame):
            hashes = hashes.result()
        # sorted by subject hash: the (partial, unique) index is appended to, not scattered
        df = score_frame_of(df.join(hashes, on="id_number", how="left")
                            .join(_residents_frame(), on="subject_hash", how="left")
                            .sort("subject_hash"), rule_set)
        del hashes
        timings["hash"] = time.perf_counter() - t
        _beat(run, "store")
        computed_at = timezone.now()
        table = StoredScore._meta.db_table

        def encoded(offset: int) -> Any:
            rows = rows_frame(df.slice(offset, chunk), rule_set=rule_set, as_of=as_of,
                              source=StoredScore.Source.NIGHTLY, computed_at=computed_at)
            return rows_encode(rows)

        build = store = 0.0
        cutoff = as_of - dt.timedelta(days=keep_days)
        in_place = vendor == "sqlite"  # see _retire
        if in_place and df["subject_hash"].is_duplicated().any():
            # overwriting in place, a second row of one subject would replace the first
            # where the one-current index refuses it
            raise RuntimeError("the nightly scored a subject twice")
        with transaction.atomic():
            t = time.perf_counter()
            _retire(table, cutoff)
            timings["retire"] = time.perf_counter() - t
            pending = helper.submit(encoded, 0)
            for offset in range(0, df.height, chunk):
                t = time.perf_counter()
                rows = pending.result()
                if offset + chunk < df.height:
                    pending = helper.submit(encoded, offset + chunk)
                build += time.perf_counter() - t
                t = time.perf_counter()
                rows_write(rows, replace_current=in_place)
                store += time.perf_counter() - t
            timings.update(build_wait=build, store=store)
            if in_place:  # the rows to go that no row of tonight overwrote
                t = time.perf_counter()
                _delete_old(table, cutoff)
                timings["retire"] += time.perf_counter() - t
            seconds = time.perf_counter() - t0
            finished = {"finished_at": timezone.now(), "count": df.height,
                        "seconds": Decimal(f"{seconds:.2f}"),
                        "detail": {"seconds": {k: round(v, 2) for k, v in timings.items()},
                                   "database": vendor}}
            if not ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING
                                           ).update(status=ScoreRun.Status.DONE, **finished):
                # marked interrupted meanwhile (a stale heartbeat): its audit event says
                # so, and this run's scores roll back; the next nightly stores them
                raise RuntimeError(f"score run {run.pk} was marked interrupted meanwhile")
            for name, value in finished.items():
                setattr(run, name, value)
            run.status = ScoreRun.Status.DONE
            audit_record(action="scores.rescore_all", object_type="score_run",
                         object_id=run.pk, actor="system",
                         detail={"as_of": as_of.isoformat(),
                                 "rule_set": rule_set.content_hash, "count": df.height})
    return run


def describe(run: ScoreRun) -> dict[str, Any]:
    return {"run": run.pk, "as_of": run.as_of.isoformat(), "count": run.count,
            "seconds": str(run.seconds), "detail": run.detail}
