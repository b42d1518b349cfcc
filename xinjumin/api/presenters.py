"""Model → response dicts. Personal data leave the API masked, except where an endpoint
exists to show them (and audits that)."""

from __future__ import annotations

from typing import Any

from xinjumin.people.models import Resident


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
    from xinjumin.scoring.explain import department, record_type

    departments = []
    for source, views in history.items():
        records = []
        for v in views:
            zh, en, _date_field = record_type(v.type)
            records.append({
                "ref": v.ref, "type": v.type, "type_name_zh": zh, "type_name_en": en,
                "record_id": v.record_id, "version": v.version, "op": v.op, "role": v.role,
                "fields": v.fields, "received_at": v.received_at,
                "first_received_at": v.first_received_at,
                "versions": [{"version": x.version, "op": x.op, "fields": x.fields,
                              "batch_id": x.batch_id, "received_at": x.received_at}
                             for x in v.versions]})
        departments.append({"department": department(source), "records": records})
    return {"resident_id": resident_id, "departments": departments}
