"""Scoring services: re-score subjects after new records, explain a score on first read.

The nightly population run is `xinjumin.scoring.bulk.scores_rescore_all`. Both store
through `scoring.stored` (one format, one writer).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from points import DISTRICT_CODES, IdentifierError, Record, RecordIndex, RuleSet, parse_id_number
from xinjumin.audit.services import audit_record
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.people.models import Resident
from xinjumin.scoring import sources
from xinjumin.scoring.compute import is_scored, person_row
from xinjumin.scoring.models import CITY, IndicatorSystem, ScoreRun, StoredScore
from xinjumin.scoring.rulesets import rule_set_in_force
from xinjumin.scoring.stored import rows_encode, rows_frame, rows_write, score_frame

CHUNK = 500


def _today() -> dt.date:
    return timezone.localdate()


def _rule_set(as_of: dt.date) -> RuleSet:
    try:
        return rule_set_in_force(as_of=as_of)
    except LookupError:
        first = (IndicatorSystem.objects.filter(layer=CITY, status="published")
                 .order_by("effective_from").values_list("effective_from", flat=True).first())
        if first is None or first <= as_of:
            raise DomainError("no_rule_set", "积分指标体系尚未发布, 暂时无法计算积分",
                              "no indicator system has been published yet",
                              {}, 409) from None
        raise DomainError(
            "before_rule_set", f"积分制度自 {first} 起实施, {as_of} 还没有积分",
            f"points began on {first}; there is no score for {as_of}",
            {"as_of": f"请选择 {first} 或之后的日期 / choose {first} or a later date"},
            400) from None


def _store(frame: pl.DataFrame, rule_set: RuleSet, as_of: dt.date, source: str) -> int:
    """Make the score frame's rows current (one per subject), unless a later as-of is
    already current for a subject. Call inside a transaction. Returns how many were
    stored."""
    hashes = frame["subject_hash"].to_list()
    later = set(StoredScore.objects.select_for_update().filter(
        subject_hash__in=hashes, is_current=True, as_of__gt=as_of)
        .values_list("subject_hash", flat=True))
    keep = frame.filter(~pl.col("subject_hash").is_in(list(later))) if later else frame
    StoredScore.objects.filter(subject_hash__in=keep["subject_hash"].to_list(),
                               is_current=True).update(is_current=False)
    rows = rows_frame(keep, rule_set=rule_set, as_of=as_of, source=source,
                      computed_at=timezone.now())
    rows_write(rows_encode(rows))
    return keep.height


def _residents(hashes: Iterable[str]) -> dict[str, Resident]:
    return {r.id_hash: r for r in Resident.objects.filter(id_hash__in=list(hashes))
            .only("id", "id_hash", "district_id")}


def _score_frame(id_numbers: dict[str, str], records: list[Record], as_of: dt.date,
                 rule_set: RuleSet, only_scored: bool) -> pl.DataFrame:
    """The score frame of these subjects ({subject hash: ID number}) from their records;
    subjects neither resident nor scored (only_scored) or named by no record are left out."""
    index = RecordIndex(records, live=True)
    residents = _residents(id_numbers)
    people = []
    for h, id_number in id_numbers.items():
        resident = residents.get(h)
        if resident is None and (not is_scored(index, id_number, as_of) if only_scored
                                 else not any(r.id_number == id_number for r in index.records)):
            continue
        row = person_row(index, id_number, as_of, rule_set,
                         resident.district_id if resident else "")
        people.append({**row, "subject_hash": h,
                       "resident_id": resident.pk if resident else None})
    return score_frame(people, rule_set)


def scores_rescore_subjects(*, subject_hashes: Iterable[str], as_of: dt.date | None = None
                            ) -> int:
    """Re-score these subjects (keyed ID hashes) with the one-person evaluator, with
    explanations, and store the results as their current scores. Subjects who are neither
    residents nor registered (e.g. a spouse living elsewhere) are skipped. One ScoreRun and
    one audit event per call. Returns how many scores were stored."""
    as_of = as_of or _today()
    rule_set = _rule_set(as_of)
    started, t0 = timezone.now(), time.perf_counter()
    hashes = sorted(set(subject_hashes))
    stored = 0
    for i in range(0, len(hashes), CHUNK):
        ids = sources.id_numbers_for(hashes[i:i + CHUNK])
        frame = _score_frame(ids, sources.records_for(list(ids.values())), as_of, rule_set,
                             only_scored=True)
        with transaction.atomic():
            stored += _store(frame, rule_set, as_of, StoredScore.Source.EVENT)
    with transaction.atomic():
        run = ScoreRun.objects.create(
            kind=ScoreRun.Kind.SUBJECTS, as_of=as_of, rule_set_hash=rule_set.content_hash,
            started_at=started, finished_at=timezone.now(), count=stored,
            seconds=Decimal(f"{time.perf_counter() - t0:.2f}"),
            detail={"subjects": len(hashes)})
        audit_record(action="scores.rescore_subjects", object_type="score_run",
                     object_id=run.pk, actor="system",
                     detail={"as_of": as_of.isoformat(), "rule_set": rule_set.content_hash,
                             "subjects": len(hashes), "stored": stored})
    return stored


def parse_id(id_number: str) -> str:
    try:
        return parse_id_number(id_number).value
    except IdentifierError as exc:
        raise DomainError("invalid_id_number", exc.message, exc.message_en,
                          {"id_number": f"{exc.message} / {exc.message_en}"}) from None


def district_code(district: str | None) -> str | None:
    if district is not None and district not in DISTRICT_CODES:
        raise DomainError("invalid_district", f"区县代码 {district} 不是宁波十个区县之一",
                          f"district {district} is not one of the ten district codes",
                          {"district": "未知区县 / unknown district"})
    return district


@dataclass(frozen=True)
class ExplainedScore:
    """A person's explained score as of a date: the stored row, the rule set it was
    computed under, and — when it was computed just now — the live records it was
    computed from (so that the explanation need not read them again)."""

    id_number: str
    score: StoredScore
    rule_set: RuleSet
    records: tuple[Record, ...] | None = None


def score_explain(*, id_number: str, as_of: dt.date | None = None) -> ExplainedScore:
    """One person's explained score as of D (default today): the current stored row if it
    is for D under the rule set in force and explained; else computed now with the
    one-person evaluator and stored as current (unless a later as-of is already current).
    NotFound when nothing is known of them. Views call this first, then read the
    explanation with `scoring.selectors.score_view`."""
    id_number = parse_id(id_number)
    as_of = as_of or _today()
    rule_set = _rule_set(as_of)
    h = sources.subject_hash(id_number)
    row = StoredScore.objects.filter(subject_hash=h, is_current=True).first()
    if (row and row.as_of == as_of and row.rule_set_hash == rule_set.content_hash
            and row.explained):
        return ExplainedScore(id_number, row, rule_set)
    records = sources.records_for([id_number])
    frame = _score_frame({h: id_number}, records, as_of, rule_set, only_scored=False)
    if frame.is_empty():
        raise NotFound("积分", "score")
    with transaction.atomic():
        stored = _store(frame, rule_set, as_of, StoredScore.Source.DEMAND)
    if stored:
        row = StoredScore.objects.get(subject_hash=h, is_current=True)
    else:  # a later as-of is current: answer for D without storing it
        built = rows_frame(frame, rule_set=rule_set, as_of=as_of,
                           source=StoredScore.Source.DEMAND, computed_at=timezone.now())
        row = _unsaved(built.row(0, named=True))
    return ExplainedScore(id_number, row, rule_set, tuple(records))


def _unsaved(columns: dict[str, Any]) -> StoredScore:
    """A StoredScore (not saved) from one row of `stored.rows_frame`."""
    fields = {f.attname: f for f in StoredScore._meta.concrete_fields}
    values = {name: fields[name].to_python(value) for name, value in columns.items()}
    if isinstance(values["explanation"], str):  # JSONField.to_python leaves text as is
        values["explanation"] = json.loads(values["explanation"])
    return StoredScore(**values)

