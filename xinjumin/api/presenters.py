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
