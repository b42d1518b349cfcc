"""Scoring services: re-score subjects after new records, score on demand (issue #4 §4).

The nightly population run is `xinjumin.scoring.bulk.scores_rescore_all`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from points.identifiers import IdentifierError, parse_id_number
from points.inputs import RecordIndex
from points.rules.model import DISTRICT_CODES
from xinjumin.audit.services import audit_record
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.people.models import Resident
from xinjumin.scoring import sources
from xinjumin.scoring.compute import compute_row, is_scored, score_dict
from xinjumin.scoring.models import ScoreRun, StoredScore
from xinjumin.scoring.rulesets import rule_set_in_force

CHUNK = 500


def _today() -> dt.date:
    return timezone.localdate()


def _rule_set(as_of: dt.date):
    try:
        return rule_set_in_force(as_of=as_of)
    except LookupError:
        raise DomainError("no_rule_set", f"{as_of} 没有生效的积分指标体系",
                          f"no indicator system is in force on {as_of}",
                          {"as_of": "没有生效的版本 / no version in force"}, 409) from None


def _store(rows: list[dict[str, Any]]) -> list[StoredScore]:
    """Make these rows current (one per subject), unless a newer as-of is already current.
    Call inside a transaction."""
    by_hash = {r["subject_hash"]: r for r in rows}
    current = dict(StoredScore.objects.select_for_update().filter(
        subject_hash__in=list(by_hash), is_current=True).values_list("subject_hash", "as_of"))
    keep = [r for h, r in by_hash.items() if h not in current or current[h] <= r["as_of"]]
    hashes = [r["subject_hash"] for r in keep]
    StoredScore.objects.filter(subject_hash__in=hashes, is_current=True).update(
        is_current=False)
    return StoredScore.objects.bulk_create([StoredScore(**r) for r in keep], batch_size=500)


def _residents(hashes: Iterable[str]) -> dict[str, Resident]:
    return {r.id_hash: r for r in Resident.objects.filter(id_hash__in=list(hashes))
            .only("id", "id_hash", "district_id")}


def _rows_for(id_numbers: dict[str, str], as_of: dt.date, rule_set: Any, source: str,
              only_scored: bool, read: dict[str, Any] | None = None
              ) -> list[dict[str, Any]]:
    records = sources.records_for(list(id_numbers.values()))
    if read is not None:
        read["records"] = records
    index = RecordIndex(records, live=True)
    residents = _residents(id_numbers)
    now = timezone.now()
    rows = []
    for h, id_number in id_numbers.items():
        resident = residents.get(h)
        if resident is None and (not is_scored(index, id_number, as_of) if only_scored
                                 else not any(r.id_number == id_number for r in index.records)):
            continue
        row = compute_row(index, id_number, as_of, rule_set,
                          resident.district_id if resident else "")
        row.update(subject_hash=h, resident_id=resident.pk if resident else None,
                   source=source, computed_at=now, is_current=True)
        rows.append(row)
    return rows


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
        rows = _rows_for(ids, as_of, rule_set, StoredScore.Source.EVENT, only_scored=True)
        with transaction.atomic():
            stored += len(_store(rows))
    with transaction.atomic():
        run = ScoreRun.objects.create(
            kind=ScoreRun.Kind.SUBJECTS, as_of=as_of, rule_set=rule_set.content_hash,
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


def stored_or_computed(*, id_number: str, as_of: dt.date | None = None,
                       read: dict[str, Any] | None = None) -> tuple[StoredScore, Any]:
    """(current StoredScore, rule set) for one person as of D: the stored row if it is for
    D under the rule set in force and explained, else computed now (and stored as current
    unless a later as-of is already current). NotFound when nothing is known of them.
    `read`: when given and the score is computed here, receives under "records" the live
    records it was computed from (so that the caller need not read them again)."""
    id_number = parse_id(id_number)
    as_of = as_of or _today()
    rule_set = _rule_set(as_of)
    h = sources.subject_hash(id_number)
    row = StoredScore.objects.filter(subject_hash=h, is_current=True).first()
    if row and row.as_of == as_of and row.rule_set == rule_set.content_hash and row.explained:
        return row, rule_set
    rows = _rows_for({h: id_number}, as_of, rule_set, StoredScore.Source.DEMAND,
                     only_scored=False, read=read)
    if not rows:
        raise NotFound("积分", "score")
    fresh = rows[0]
    if row is None or row.as_of <= as_of:
        with transaction.atomic():
            saved = _store([fresh])
        if saved:
            return saved[0], rule_set
    return StoredScore(**fresh), rule_set


def score_for(*, id_number: str, as_of: dt.date | None = None, district: str | None = None
              ) -> dict[str, Any]:
    """One person's score as of D (default today) in `district` (default: the home
    district = latest residence registration), as a JSON-ready dict: district, score,
    common, scores (all ten), rule_set (hash), rule_set_id, as_of, frozen, frozen_until,
    items (key → exact points text, deductions negative), record_ids (key → ids)."""
    district = district_code(district)
    row, rule_set = stored_or_computed(id_number=id_number, as_of=as_of)
    return score_dict(row, rule_set, district, parse_id(id_number))
