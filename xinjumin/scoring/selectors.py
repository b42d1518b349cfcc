"""Reading scores and indicator versions (for the portal, the API and the back office).

`resident_score_view` is everything the resident's score page / API response shows:
score for the district and common score, each item with points, max, the rule in plain
words, the records behind it (date, department, type; masked where they concern another
person) and, for each item below its maximum, what would raise it; frozen state.

It reads what is stored: the current explained StoredScore (its record ids), the records
it cites (one query by ids, which also finds the person's marriages to tell a spouse's
record from another person's) and the rule texts of the in-memory rule set. Only a score
never explained (a nightly row) is computed once with the one-person evaluator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q

from points.feeds.record import Record
from points.identifiers import mask_id_number
from points.rules.model import Item, RuleSet
from xinjumin.accounts.access import access_resident
from xinjumin.core.errors import NotFound
from xinjumin.geo.models import District
from xinjumin.scoring.compute import text
from xinjumin.scoring.explain import department, hints_for, record_type
from xinjumin.scoring.models import IndicatorSystem, StoredScore
from xinjumin.scoring.sources import subject_hash

HIDDEN_FOR_OTHERS = ("complex_id", "unit", "street", "employer_uscc", "business_uscc",
                     "permit_no", "spouse_id_number", "child_id_number")


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


def stored_score_current(*, subject_hash: str) -> StoredScore | None:
    """The current stored score of a subject (no computation)."""
    return StoredScore.objects.filter(subject_hash=subject_hash, is_current=True).first()


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _cited_records(id_number: str, refs: set[str]) -> tuple[dict[str, Record], set[str]]:
    """({ref: Record} of the live records among `refs` ("SOURCE:record_id"), the ID numbers
    of the person's spouses (live marriages on either side)), in one query."""
    from xinjumin.records.codec import typed_fields
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
            records[ref] = Record(source, type_, record_id, version, op, id_no or None,
                                  typed_fields(type_, stored, linked))
    return records, spouses - {"", id_number}


def _cited_among(records: list[Record], id_number: str, refs: set[str]
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


def _record_view(record: Record, id_number: str, spouses: set[str]) -> dict[str, Any]:
    zh, en, date_field = record_type(record.type)
    own = record.id_number == id_number
    fields = {k: _json_value(v) for k, v in record.fields.items()}
    for name in ("spouse_id_number", "child_id_number"):
        if name in fields:
            fields[name] = mask_id_number(str(fields[name]))
    concerns = "self" if own else ("spouse" if record.id_number in spouses else "other")
    if not own:
        fields = {k: v for k, v in fields.items() if k not in HIDDEN_FOR_OTHERS}
    end = next((record.fields[f] for f in ("end", "ended_on", "last_month", "lifted_on",
                                            "sentence_end") if f in record.fields), None)
    return {
        "ref": f"{record.source}:{record.record_id}", "type": record.type, "type_name_zh": zh,
        "type_name_en": en, "department": department(record.source),
        "date": _json_value(record.fields.get(date_field)), "end": _json_value(end),
        "concerns": concerns,
        "person": None if own or not record.id_number else mask_id_number(record.id_number),
        "fields": fields,
    }


def _item_view(item: Item, points: int, refs: list[str], detail: str, as_of: dt.date,
               records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    pts = Decimal(points) / 100
    return {
        "key": item.key, "category": item.category, "name_zh": item.name_zh,
        "name_en": item.name_en, "points": text(points),
        "max": None if item.max is None else text(int(item.max * 100)),
        "rule_zh": item.description_zh, "reference": item.reference, "detail": detail,
        "records": [records[r] for r in refs if r in records],
        "below_max": item.max is not None and item.max > 0 and pts < item.max,
        "hints": hints_for(item, pts, as_of, bool(refs)),
    }


def _freeze_view(freezes: list[dict[str, Any]], rule_set: RuleSet) -> list[dict[str, Any]]:
    out = []
    for f in freezes:
        item = rule_set.item(f["item"])
        name = item.name_zh if item else f["item"]
        out.append({**f, "name_zh": name,
                    "reason_zh": f"因{name}记录 {f['record_id']}, 积分自 {f['start']} 起冻结至 "
                                 f"{f['until']}, 期间不能使用积分申请服务",
                    "reason_en": f"points frozen from {f['start']} until {f['until']} "
                                 f"because of record {f['record_id']} ({f['item']})"})
    return out


_NAMES: dict[str, str] = {}


def _district_names() -> dict[str, str]:
    """{code: name} of the districts (reference data loaded by a migration; read once)."""
    if not _NAMES:
        _NAMES.update(District.objects.values_list("code", "name"))
    return _NAMES


def score_view(*, id_number: str, resident_pk: int | None = None,
               district: str | None = None, as_of: dt.date | None = None) -> dict[str, Any]:
    """The explained score of one person (no access check: call `resident_score_view`)."""
    from xinjumin.scoring.services import stored_or_computed

    read: dict[str, Any] = {}
    row, rule_set = stored_or_computed(id_number=id_number, as_of=as_of, read=read)
    district = district or row.home_district or None
    expl = row.explanation or {}
    refs, detail = expl.get("refs") or {}, expl.get("detail") or {}
    drefs = (expl.get("drefs") or {}).get(district or "", {})
    ddetail = (expl.get("ddetail") or {}).get(district or "", {})
    used = {r for ids in [*refs.values(), *drefs.values()] for r in ids}
    if not used:
        cited, spouses = {}, set()
    elif "records" in read:  # computed just now from these records
        cited, spouses = _cited_among(read["records"], id_number, used)
    else:
        cited, spouses = _cited_records(id_number, used)
    records = {ref: _record_view(rec, id_number, spouses) for ref, rec in cited.items()}
    stored = row.items or {"c": {}, "d": {}}
    categories = []
    if not row.is_minor:
        for cat in rule_set.categories:
            items = [_item_view(i, stored["c"].get(i.key, 0), refs.get(i.key, []),
                                detail.get(i.key, ""), row.as_of, records)
                     for i in rule_set.items_of(cat.key)]
            total = sum(stored["c"].get(i.key, 0) for i in rule_set.items_of(cat.key))
            cap = None if cat.cap is None else int(cat.cap * 100)
            categories.append({"key": cat.key, "name_zh": cat.name_zh, "total": text(total),
                               "cap": text(cap), "capped": text(total if cap is None
                                                                else min(total, cap)),
                               "items": items})
    layer_view = None
    if district and not row.is_minor:
        layer = rule_set.layer(district)
        d_items = stored["d"].get(district, {})
        total = sum(d_items.get(i.key, 0) for i in layer.items)
        cap = int(layer.cap * 100)
        layer_view = {"district": district, "total": text(total), "cap": text(cap),
                      "capped": text(min(total, cap)),
                      "items": [_item_view(i, d_items.get(i.key, 0), drefs.get(i.key, []),
                                           ddetail.get(i.key, ""), row.as_of, records)
                                for i in layer.items]}
    names = _district_names()
    scores = row.score_map
    return {
        "resident_id": resident_pk, "id_number": mask_id_number(id_number),
        "as_of": row.as_of.isoformat(), "district": district,
        "district_name": names.get(district or ""), "home_district": row.home_district,
        "score": text(scores.get(district)) if district and scores else None,
        "common": text(None if row.common is None else int(row.common * 100)),
        "is_minor": row.is_minor, "minor_reason": expl.get("reason", ""),
        "rule_set": row.rule_set, "rule_set_id": row.rule_set_id,
        "rule_set_name": rule_set.name, "categories": categories, "district_layer": layer_view,
        "frozen": row.frozen,
        "frozen_until": row.frozen_until.isoformat() if row.frozen_until else None,
        "freezes": _freeze_view(expl.get("freezes") or [], rule_set),
        "computed_at": row.computed_at.isoformat() if row.computed_at else None,
    }


def resident_score_view(*, user: Any, resident: Any, district: str | None = None,
                        as_of: dt.date | None = None) -> dict[str, Any]:
    """The resident's explained score, through the one door (accounts.access: the resident
    themselves or their child under 18; staff within scope, audited; else NotFound 404)."""
    from xinjumin.scoring.services import district_code

    person = access_resident(user=user, resident_id=getattr(resident, "pk", resident),
                             purpose="score")
    return score_view(id_number=person.id_number, resident_pk=person.pk,
                      district=district_code(district), as_of=as_of)
