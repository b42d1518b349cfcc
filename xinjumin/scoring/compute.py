"""One person → a row of the score frame (scoring.stored), with the explanation.

Uses the one-person evaluator (points.evaluate): the home district's evaluation gives the
city items, common score and freezes; the other nine districts' items come from the same
rule set without city items (`rulesets.stripped`), so city items are evaluated once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from points import DISTRICT_CODES, PersonScore, RecordIndex, RuleSet, evaluate_person, home_district
from xinjumin.scoring.rulesets import stripped
from xinjumin.scoring.stored import CITY, Explanation, Freeze, hundredths


def is_scored(index: RecordIndex, id_number: str, as_of: dt.date) -> bool:
    """A subject of a residence registration registered ≤ D (domain §7.8 "who is scored")."""
    return any(r.date("registered_on") and r.date("registered_on") <= as_of
               for r in index.of(id_number, "residence_registration", as_of))


def person_row(index: RecordIndex, id_number: str, as_of: dt.date, rule_set: RuleSet,
               fallback_district: str = "") -> dict[str, Any]:
    """The score-frame row of one person (without subject_hash and resident_id), all ten
    districts' items and the explanation."""
    home = home_district(index, id_number, as_of) or fallback_district or ""
    main = evaluate_person(index, id_number, as_of, home or DISTRICT_CODES[0], rule_set)
    row: dict[str, Any] = {"home_district": home, "is_minor": main.is_minor,
                           "frozen": main.frozen, "frozen_until": main.frozen_until}
    if main.is_minor:
        row["explanation"] = Explanation(minor_reason=main.reason).to_json()
        return row
    common = hundredths(main.common)
    assert common is not None
    row.update({f"{CITY}:{i.key}": hundredths(i.points) for i in main.items})
    records: dict[str, dict[str, list[str]]] = {}
    details: dict[str, dict[str, str]] = {}
    for d in DISTRICT_CODES:
        ds: PersonScore = main if d == home else evaluate_person(
            index, id_number, as_of, d, stripped(rule_set))
        assert ds.district_total is not None
        row[f"score_{d}"] = common + (hundredths(ds.district_total.capped) or 0)
        row.update({f"{d}:{i.key}": hundredths(i.points) for i in ds.district_items})
        if refs := {i.key: list(i.record_ids) for i in ds.district_items if i.record_ids}:
            records[d] = refs
        if texts := {i.key: i.detail for i in ds.district_items if i.detail}:
            details[d] = texts
    row.update(common=common, score=row[f"score_{home}"] if home else None)
    row["explanation"] = Explanation(
        records={i.key: list(i.record_ids) for i in main.items if i.record_ids},
        district_records=records,
        details={i.key: i.detail for i in main.items if i.detail},
        district_details=details,
        freezes=[Freeze(**f.to_dict()) for f in main.freezes]).to_json()
    return row
