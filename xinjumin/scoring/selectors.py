"""Reading scores and indicator versions (for the portal, the API and the back office).

`score_view` is everything the resident's score page / API response shows, as a typed
`ScoreView`: the score for the district and the common score, each item with points,
max, the rule in plain words, the records behind it (date, department, type, their own
values; masked where they concern another person) and, for each item below its maximum,
what would raise it; freezes. Every text is a `labels.Label` (Chinese and English), so
the portal, the back office and the API present the same view in either language.

It only reads: views call the service `scoring.services.score_explain` first (which
explains and stores a score on its first read) and pass its result here. The records the
score cites come with that result when it was computed just now, else they are read in
one query by ids (which also finds the person's marriages to tell a spouse's record from
another person's); the rule texts come from the in-memory rule set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from points import DISTRICT_CODES, Item, Record, RuleSet, mask_id_number
from xinjumin import labels
from xinjumin.core.errors import NotFound
from xinjumin.labels import Label
from xinjumin.scoring.models import IndicatorSystem
from xinjumin.scoring.services import ExplainedScore
from xinjumin.scoring.sources import subject_hash
from xinjumin.scoring.stored import Explanation, ScoreItems, hundredths, points_text

HIDDEN_FOR_OTHERS = ("complex_id", "unit", "street", "employer_uscc", "business_uscc",
                     "permit_no", "spouse_id_number", "child_id_number")
LINKED_FIELDS = ("spouse_id_number", "child_id_number")
LANGUAGES = ("zh-hans", "en")


def indicator_get(*, ref: str) -> IndicatorSystem:
    """A version by id, or by content-hash prefix (≥ 8 characters); NotFound otherwise."""
    qs = IndicatorSystem.objects.all()
    if ref.isdigit() and len(ref) < 8:
        found = qs.filter(pk=int(ref))
    elif len(ref) >= 8:
        found = qs.filter(content_hash__startswith=ref.lower())
    else:
        found = qs.none()
    rows = list(found[:2])
    if len(rows) != 1:
        raise NotFound("指标体系版本", "indicator version")
    return rows[0]


def indicators_list(*, layer: str | None = None) -> list[IndicatorSystem]:
    """Every version (optionally of one layer), by layer and effective date."""
    qs = IndicatorSystem.objects.order_by("layer", "-effective_from", "-id")
    return list(qs.filter(layer=layer) if layer else qs)


def _both(text: Any, *args: Any) -> Label:
    """A label from a function of (…, lang): its text in each language."""
    return Label(*(text(*args, lang) for lang in LANGUAGES))


# --- the typed view ---------------------------------------------------------------------

EVIDENCE_PREFIX = "XJM-E-"  # accepted evidence: cases.decisions.evidence_record_id


@dataclass(frozen=True)
class RecordView:
    """A record the score cites, as the resident may see it."""

    ref: str
    type: str
    type_name: Label
    department_code: str
    department: Label
    date: str | None
    end: str | None
    concerns: str  # "self", "spouse" or "other"
    person: str | None  # the other person's ID number, masked
    summary: Label  # the record's own values in one line
    fields: dict[str, Any]  # JSON-ready; for other people's records, addresses etc. left out
    case_no: str = ""  # the reviewed case a decision made it from (an XJM-E- record)


@dataclass(frozen=True)
class ItemView:
    key: str
    category: str
    name: Label
    points: str
    max: str | None
    rule: Label
    reference: str
    detail: str
    records: tuple[RecordView, ...]
    below_max: bool
    hints: tuple[Label, ...]


@dataclass(frozen=True)
class CategoryView:
    key: str
    name: Label
    total: str
    cap: str | None
    capped: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class LayerView:
    district: str
    total: str
    cap: str
    capped: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class FreezeView:
    item: str
    record_id: str
    start: str
    until: str
    name: Label
    reason: Label


@dataclass(frozen=True)
class ScoreView:
    resident_id: int | None
    id_number: str  # masked
    as_of: str
    district: str | None
    district_name: Label | None
    home_district: str
    score: str | None
    common: str | None
    is_minor: bool
    minor_reason: str
    rule_set_hash: str
    rule_set_profile: str
    rule_set_name: str
    categories: tuple[CategoryView, ...]
    district_layer: LayerView | None
    frozen: bool
    frozen_until: str | None
    freezes: tuple[FreezeView, ...]
    computed_at: str | None


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _cited_records(id_number: str, refs: set[str]) -> tuple[dict[str, Record], set[str]]:
    """({ref: Record} of the live records among `refs` ("SOURCE:record_id"), the ID numbers
    of the person's spouses (live marriages on either side)), in one query."""
    from xinjumin.records.codec import record_from_row, typed_fields
    from xinjumin.records.models import SourceRecord, linked_hash_in

    h = subject_hash(id_number)
    wanted: dict[str, list[str]] = {}
    for ref in refs:
        source, _, record_id = ref.partition(":")
        wanted.setdefault(source, []).append(record_id)
    q = Q(type="marriage", subject_hash=h) | (Q(type="marriage") & linked_hash_in([h]))
    for source, ids in wanted.items():
        q |= Q(source=source, record_id__in=ids)
    records: dict[str, Record] = {}
    spouses: set[str] = set()
    rows = SourceRecord.objects.filter(q, op="upsert").values_list(
        "source", "type", "record_id", "version", "op", "id_number", "linked_id_number",
        "subject_hash", "linked_hash", "fields")
    for source, type_, record_id, version, op, id_no, linked, s_hash, l_hash, stored in rows:
        if type_ == "marriage" and h in (s_hash, l_hash):
            spouses.add(linked if s_hash == h else id_no)
        ref = f"{source}:{record_id}"
        if ref in refs:
            records[ref] = record_from_row(source, type_, record_id, version, op,
                                           id_no or None, typed_fields(type_, stored, linked))
    return records, spouses - {"", id_number}


def _cited_among(records: Iterable[Record], id_number: str, refs: set[str]
                 ) -> tuple[dict[str, Record], set[str]]:
    """What `_cited_records` reads, taken from the live records a score was just computed
    from (they hold the person's marriages and every record the score cites)."""
    from xinjumin.records.codec import LINKED_FIELD_OF_TYPE

    linked_field = LINKED_FIELD_OF_TYPE["marriage"]
    cited: dict[str, Record] = {}
    spouses: set[str] = set()
    for record in records:
        if record.type == "marriage":
            linked = record.fields.get(linked_field) or ""
            if record.id_number == id_number:
                spouses.add(linked)
            elif linked == id_number:
                spouses.add(record.id_number or "")
        ref = f"{record.source}:{record.record_id}"
        if ref in refs:
            cited[ref] = record
    return cited, spouses - {"", id_number}


def _record_view(record: Record, id_number: str, spouses: set[str]) -> RecordView:
    own = record.id_number == id_number
    fields = {k: _json_value(v) for k, v in record.fields.items()}
    for name in LINKED_FIELDS:
        if name in fields:
            fields[name] = mask_id_number(str(fields[name]))
    concerns = "self" if own else ("spouse" if record.id_number in spouses else "other")
    if not own:
        fields = {k: v for k, v in fields.items() if k not in HIDDEN_FOR_OTHERS}
    end_field = labels.record_end_field(record.type)
    return RecordView(
        ref=f"{record.source}:{record.record_id}", type=record.type,
        type_name=labels.record_type(record.type), department_code=record.source,
        department=labels.department(record.source),
        date=_json_value(record.fields.get(labels.record_date_field(record.type))),
        end=_json_value(record.fields.get(end_field)) if end_field else None,
        concerns=concerns,
        person=None if own or not record.id_number else mask_id_number(record.id_number),
        summary=_both(labels.record_summary, record.type, fields), fields=fields,
        case_no=record.record_id.removeprefix(EVIDENCE_PREFIX)
        if record.record_id.startswith(EVIDENCE_PREFIX) else "")


def _item_view(item: Item, points: int, refs: list[str], detail: str, as_of: dt.date,
               records: dict[str, RecordView]) -> ItemView:
    below = item.max is not None and item.max > 0 and Decimal(points) / 100 < item.max
    return ItemView(
        key=item.key, category=item.category, name=_both(labels.item_name, item),
        points=points_text(points) or "0.00",
        max=None if item.max is None else points_text(hundredths(item.max)),
        rule=_both(labels.rule_text, item, as_of), reference=item.reference, detail=detail,
        records=tuple(records[r] for r in refs if r in records), below_max=below,
        hints=tuple(labels.hints_for(item, Decimal(points) / 100, as_of, bool(refs))))


def _freeze_views(explanation: Explanation, rule_set: RuleSet) -> tuple[FreezeView, ...]:
    out = []
    for f in explanation.freezes:
        item = rule_set.item(f.item)
        out.append(FreezeView(
            item=f.item, record_id=f.record_id, start=f.start, until=f.until,
            name=_both(labels.item_name, item) if item else Label(f.item, f.item),
            reason=_both(labels.freeze_reason, item, f.item, f.start, f.until)))
    return tuple(out)


def _categories(rule_set: RuleSet, items: ScoreItems, explanation: Explanation,
                as_of: dt.date, records: dict[str, RecordView]) -> tuple[CategoryView, ...]:
    out = []
    for cat in rule_set.categories:
        views = tuple(_item_view(i, items.city.get(i.key, 0),
                                 explanation.records.get(i.key, []),
                                 explanation.details.get(i.key, ""), as_of, records)
                      for i in rule_set.items_of(cat.key))
        total = sum(items.city.get(i.key, 0) for i in rule_set.items_of(cat.key))
        cap = hundredths(cat.cap)
        out.append(CategoryView(
            key=cat.key, name=_both(labels.category_name, cat.key, cat.name_zh),
            total=points_text(total) or "0.00", cap=points_text(cap),
            capped=points_text(total if cap is None else min(total, cap)) or "0.00",
            items=views))
    return tuple(out)


def _layer(rule_set: RuleSet, district: str, items: ScoreItems, explanation: Explanation,
           as_of: dt.date, records: dict[str, RecordView]) -> LayerView:
    layer = rule_set.layer(district)
    points = items.districts.get(district, {})
    refs = explanation.district_records.get(district, {})
    details = explanation.district_details.get(district, {})
    total = sum(points.get(i.key, 0) for i in layer.items)
    cap = hundredths(layer.cap) or 0
    return LayerView(
        district=district, total=points_text(total) or "0.00", cap=points_text(cap) or "0.00",
        capped=points_text(min(total, cap)) or "0.00",
        items=tuple(_item_view(i, points.get(i.key, 0), refs.get(i.key, []),
                               details.get(i.key, ""), as_of, records) for i in layer.items))


def score_view(*, explained: ExplainedScore, district: str | None = None,
               resident_pk: int | None = None) -> ScoreView:
    """The explained score of `scoring.services.score_explain`, for `district` (default:
    the home district). No access check: the caller went through accounts.access."""
    row, rule_set, id_number = explained.score, explained.rule_set, explained.id_number
    district = district or row.home_district or None
    explanation = Explanation.of(row) or Explanation()
    items = ScoreItems.of(row)
    used = explanation.refs(district)
    if not used:
        cited: dict[str, Record] = {}
        spouses: set[str] = set()
    elif explained.records is not None:  # computed just now from these records
        cited, spouses = _cited_among(explained.records, id_number, used)
    else:
        cited, spouses = _cited_records(id_number, used)
    records = {ref: _record_view(rec, id_number, spouses) for ref, rec in cited.items()}
    adult = not row.is_minor
    scores = row.score_map
    return ScoreView(
        resident_id=resident_pk, id_number=mask_id_number(id_number),
        as_of=row.as_of.isoformat(), district=district,
        district_name=_both(labels.district_name, district) if district else None,
        home_district=row.home_district,
        score=points_text(scores.get(district)) if district and scores else None,
        common=points_text(hundredths(row.common)), is_minor=row.is_minor,
        minor_reason=explanation.minor_reason, rule_set_hash=row.rule_set_hash,
        rule_set_profile=row.rule_set_profile, rule_set_name=rule_set.name,
        categories=(_categories(rule_set, items, explanation, row.as_of, records)
                    if adult else ()),
        district_layer=(_layer(rule_set, district, items, explanation, row.as_of, records)
                        if district and adult else None),
        frozen=row.frozen,
        frozen_until=row.frozen_until.isoformat() if row.frozen_until else None,
        freezes=_freeze_views(explanation, rule_set),
        computed_at=row.computed_at.isoformat() if row.computed_at else None)


def score_summary(*, explained: ExplainedScore, district: str | None = None
                  ) -> dict[str, Any]:
    """The public form of a stored score for one district (the `xjm scores show` JSON):
    items = every city item and every item of the district's layer, key → exact points
    text (deductions negative); record_ids per item."""
    row, rule_set = explained.score, explained.rule_set
    district = district or row.home_district or None
    stored, explanation = ScoreItems.of(row), Explanation.of(row)
    found = explanation or Explanation()
    points: dict[str, str | None] = {}
    record_ids: dict[str, list[str]] = {}
    if not row.is_minor:
        for item in rule_set.items:
            points[item.key] = points_text(stored.city.get(item.key, 0))
            record_ids[item.key] = found.records.get(item.key, [])
        if district:
            d_points = stored.districts.get(district, {})
            d_refs = found.district_records.get(district, {})
            for item in rule_set.layer(district).items:
                points[item.key] = points_text(d_points.get(item.key, 0))
                record_ids[item.key] = d_refs.get(item.key, [])
    scores = row.score_map
    return {
        "id_number": mask_id_number(explained.id_number),
        "district": district,
        "home_district": row.home_district or None,
        "score": points_text(scores.get(district)) if district else None,
        "common": points_text(hundredths(row.common)),
        "scores": {d: points_text(scores.get(d)) for d in DISTRICT_CODES} if scores else {},
        "rule_set_hash": row.rule_set_hash,
        "rule_set_profile": row.rule_set_profile,
        "as_of": row.as_of.isoformat(),
        "is_minor": row.is_minor,
        "frozen": row.frozen,
        "frozen_until": row.frozen_until.isoformat() if row.frozen_until else None,
        "items": points,
        "record_ids": record_ids,
        "explained": explanation is not None,
        "source": row.source,
        "computed_at": row.computed_at.isoformat() if row.computed_at else None,
    }
