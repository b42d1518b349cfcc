"""One person → a StoredScore row (all ten districts, per item, record ids), and back.

Uses the one-person evaluator (points.evaluate): the home district's evaluation gives the
city items, common score and freezes; the other nine districts' items come from the same
rule set without city items (`rulesets.stripped`), so city items are evaluated once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from points.evaluate import PersonScore, evaluate_person, home_district
from points.identifiers import mask_id_number
from points.inputs import RecordIndex
from points.rules.model import DISTRICT_CODES, RuleSet
from xinjumin.scoring.rulesets import stripped

H = Decimal(100)


def hundredths(value: Decimal | None) -> int | None:
    return None if value is None else int(value * H)


def text(h: int | None) -> str | None:
    """Hundredths → exact text with two places ("82.25", "-5.00")."""
    if h is None:
        return None
    sign = "-" if h < 0 else ""
    return f"{sign}{abs(h) // 100}.{abs(h) % 100:02d}"


def is_scored(index: RecordIndex, id_number: str, as_of: dt.date) -> bool:
    """A subject of a residence registration registered ≤ D (domain §7.8 "who is scored")."""
    return any(r.date("registered_on") and r.date("registered_on") <= as_of
               for r in index.of(id_number, "residence_registration"))


def compute_row(index: RecordIndex, id_number: str, as_of: dt.date, rule_set: RuleSet,
                fallback_district: str = "") -> dict[str, Any]:
    """The StoredScore fields (without subject/resident/source/timestamps) of one person."""
    home = home_district(index, id_number, as_of) or fallback_district or ""
    main = evaluate_person(index, id_number, as_of, home or DISTRICT_CODES[0], rule_set)
    row: dict[str, Any] = {
        "as_of": as_of, "rule_set": rule_set.content_hash, "rule_set_id": rule_set.id[:64],
        "is_minor": main.is_minor, "home_district": home, "frozen": main.frozen,
        "frozen_until": main.frozen_until,
    }
    if main.is_minor:
        row.update(common=None, score=None, scores=None, items=None,
                   explanation={"refs": {}, "drefs": {}, "detail": {}, "ddetail": {},
                                "freezes": [], "reason": main.reason})
        return row
    common = hundredths(main.common)
    city = {i.key: hundredths(i.points) for i in main.items if i.points}
    refs = {i.key: list(i.record_ids) for i in main.items if i.record_ids}
    detail = {i.key: i.detail for i in main.items if i.detail}
    scores, ditems, drefs, ddetail = {}, {}, {}, {}
    freezes = [f.to_dict() for f in main.freezes]
    for d in DISTRICT_CODES:
        ds: PersonScore = main if d == home else evaluate_person(
            index, id_number, as_of, d, stripped(rule_set))
        assert ds.district_total is not None
        scores[d] = common + hundredths(ds.district_total.capped)
        ditems[d] = {i.key: hundredths(i.points) for i in ds.district_items if i.points}
        drefs[d] = {i.key: list(i.record_ids) for i in ds.district_items if i.record_ids}
        ddetail[d] = {i.key: i.detail for i in ds.district_items if i.detail}
    row.update(
        common=main.common, score=main.score if home else None,
        scores=[scores[d] for d in DISTRICT_CODES],
        items={"c": city, "d": {d: v for d, v in ditems.items() if v}},
        explanation={"refs": refs, "drefs": {d: v for d, v in drefs.items() if v},
                     "detail": detail, "ddetail": {d: v for d, v in ddetail.items() if v},
                     "freezes": freezes, "reason": ""})
    return row


def score_dict(row: Any, rule_set: RuleSet, district: str | None, id_number: str
               ) -> dict[str, Any]:
    """The public form of a stored score for one district (the `xjm scores show` JSON):
    items = every city item and every item of the district's layer, key → exact points
    text (deductions negative); record_ids per item."""
    district = district or row.home_district or None
    items: dict[str, str | None] = {}
    record_ids: dict[str, list[str]] = {}
    stored = row.items or {"c": {}, "d": {}}
    expl = row.explanation or {}
    if not row.is_minor:
        for item in rule_set.items:
            items[item.key] = text(stored["c"].get(item.key, 0))
            record_ids[item.key] = (expl.get("refs") or {}).get(item.key, [])
        if district:
            d_items = stored["d"].get(district, {})
            d_refs = (expl.get("drefs") or {}).get(district, {})
            for item in rule_set.layer(district).items:
                items[item.key] = text(d_items.get(item.key, 0))
                record_ids[item.key] = d_refs.get(item.key, [])
    scores = row.score_map
    return {
        "id_number": mask_id_number(id_number),
        "district": district,
        "home_district": row.home_district or None,
        "score": text(scores.get(district)) if district else None,
        "common": text(hundredths(row.common)),
        "scores": {d: text(scores.get(d)) for d in DISTRICT_CODES} if scores else {},
        "rule_set": row.rule_set,
        "rule_set_id": row.rule_set_id,
        "as_of": row.as_of.isoformat(),
        "is_minor": row.is_minor,
        "frozen": row.frozen,
        "frozen_until": row.frozen_until.isoformat() if row.frozen_until else None,
        "items": items,
        "record_ids": record_ids,
        "explained": row.explanation is not None,
        "source": row.source,
        "computed_at": row.computed_at.isoformat() if row.computed_at else None,
    }
