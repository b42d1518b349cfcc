"""Model → response dicts. Personal data leave the API masked, except where an endpoint
exists to show them (and audits that)."""

from __future__ import annotations

from typing import Any

from xinjumin import labels
from xinjumin.people.models import Resident
from xinjumin.scoring.selectors import ItemView, RecordView, ScoreView


def resident_out(resident: Resident) -> dict[str, Any]:
    street = resident.street
    unit = resident.unit
    return {
        "id": resident.pk,
        "name": resident.masked_name,
        "id_number": resident.masked_id_number,
        "phone": resident.masked_phone,
        "gender": resident.gender,
        "birth_year": resident.birth_date.year,
        "district": {"code": resident.district_id, "name": resident.district.name},
        "street": {"code": street.code, "name": street.name} if street else None,
        "complex": unit.building.complex.name if unit else None,
        "arrived_on": resident.arrived_on,
        "registered_on": resident.registered_on,
    }


def household_out(*, guardians: list[Any], children: list[Any],
                  spouse: Any) -> list[dict[str, Any]]:
    """Household links (relation, the other resident masked) for the resident's own view."""
    links: list[dict[str, Any]] = []
    for relation, rows in (("guardian", guardians), ("child", children),
                           ("spouse", [spouse] if spouse else [])):
        for other in rows:
            links.append({"relation": relation, "resident_id": other.pk,
                          "name": other.masked_name})
    return links


def records_history_out(*, resident_id: int, history: dict[str, list[Any]]) -> dict[str, Any]:
    """records.selectors.records_history_for → the /residents/{id}/records answer."""
    departments = []
    for source, views in history.items():
        records = []
        for v in views:
            zh, en = labels.record_type(v.type)
            records.append({
                "ref": v.ref, "type": v.type, "type_name_zh": zh, "type_name_en": en,
                "record_id": v.record_id, "version": v.version, "op": v.op, "role": v.role,
                "fields": v.fields, "received_at": v.received_at,
                "first_received_at": v.first_received_at,
                "versions": [{"version": x.version, "op": x.op, "fields": x.fields,
                              "batch_id": x.batch_id, "received_at": x.received_at}
                             for x in v.versions]})
        departments.append({"department": _department(source), "records": records})
    return {"resident_id": resident_id, "departments": departments}


def _department(source: str) -> dict[str, str]:
    zh, en = labels.department(source)
    return {"code": source, "name_zh": zh, "name_en": en}


def _record_out(r: RecordView) -> dict[str, Any]:
    return {"ref": r.ref, "type": r.type, "type_name_zh": r.type_name.zh,
            "type_name_en": r.type_name.en, "department": _department(r.department_code),
            "date": r.date, "end": r.end, "concerns": r.concerns, "person": r.person,
            "summary_zh": r.summary.zh, "summary_en": r.summary.en, "fields": r.fields,
            "case_no": r.case_no}


def _item_out(i: ItemView) -> dict[str, Any]:
    return {"key": i.key, "category": i.category, "name_zh": i.name.zh, "name_en": i.name.en,
            "points": i.points, "max": i.max, "rule_zh": i.rule.zh, "rule_en": i.rule.en,
            "reference": i.reference, "detail": i.detail,
            "records": [_record_out(r) for r in i.records], "below_max": i.below_max,
            "hints": [{"zh": h.zh, "en": h.en} for h in i.hints]}


def score_out(view: ScoreView) -> dict[str, Any]:
    """scoring.selectors.score_view → the ScoreOut answer (both languages)."""
    layer = view.district_layer
    return {
        "resident_id": view.resident_id, "id_number": view.id_number, "as_of": view.as_of,
        "district": view.district,
        "district_name": view.district_name.zh if view.district_name else None,
        "district_name_en": view.district_name.en if view.district_name else None,
        "home_district": view.home_district, "score": view.score, "common": view.common,
        "is_minor": view.is_minor, "minor_reason": view.minor_reason,
        "rule_set_hash": view.rule_set_hash, "rule_set_profile": view.rule_set_profile,
        "rule_set_name": view.rule_set_name,
        "categories": [{"key": c.key, "name_zh": c.name.zh, "name_en": c.name.en,
                        "total": c.total, "cap": c.cap, "capped": c.capped,
                        "items": [_item_out(i) for i in c.items]} for c in view.categories],
        "district_layer": None if layer is None else {
            "district": layer.district, "total": layer.total, "cap": layer.cap,
            "capped": layer.capped, "items": [_item_out(i) for i in layer.items]},
        "frozen": view.frozen, "frozen_until": view.frozen_until,
        "freezes": [{"item": f.item, "record_id": f.record_id, "start": f.start,
                     "until": f.until, "name_zh": f.name.zh, "name_en": f.name.en,
                     "reason_zh": f.reason.zh, "reason_en": f.reason.en}
                    for f in view.freezes],
        "computed_at": view.computed_at,
    }
