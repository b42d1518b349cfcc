"""The rule-set model: what a points indicator system *is*, as frozen data.

A rule set (one YAML file, see ``points/profiles/*.yaml``) is loaded by
``points.rules.load`` into the dataclasses below. Two engines read this model and must
give the same numbers: the one-person evaluator (``points.evaluate``) and the Polars
population evaluator (``points.population``). This docstring is their shared contract.

Structure
=========

    common score      = Σ over categories c of  capped(Σ items of c, cap_c)
    score in district = common score + min(Σ items of the district's layer, layer cap)

``capped(x, cap)`` is ``min(x, cap)``; a category with ``cap: null`` (deductions) is
not capped and has no floor. Deduction items carry negative points. Every item's points
are further capped by the item's ``max`` (a positive item: ``min(points, max)``; a
negative item: ``max(points, -max)`` when ``max`` is given, else uncapped). All points
are ``Decimal`` multiples of 0.25, rendered with two places ("82.25").

District layers: the rule set has one ``district_template`` (items + cap) and, per
district code (one of the ten codes of domain §3), an optional override that may
replace template items (field by field; a given ``measure`` replaces the whole
measure), add items, drop items (``drop: [key]``) or change the cap. A district not
listed gets the template unchanged.

Dates and arithmetic (domain §7.8; helpers in ``points.measures.dates``)
========================================================================

- ``add_months(d, n)`` keeps the day, clamped to the month's end (Jan 31 + 1 = Feb 28/29).
- ``full_months(a, D)`` = the largest k ≥ 0 with ``add_months(a, k) <= D`` (0 if a > D);
  full years = full months // 12. Age = full years from the ID number's birth date.
- A *period* parameter (``window``, ``lapse``, freeze ``duration``) is written ``"3y"``
  or ``"36m"`` and stored as a number of months. "Within a period P before D" means the
  record's date ``x`` satisfies ``add_months(D, -P) < x <= D``.
- A record is *in force at D* when ``start <= D`` and (no ``end`` or ``end >= D``); end
  dates (``end``, ``ended_on``, ``lifted_on``, ``sentence_end``) are the last day in force.
- Records dated after D are ignored (each kind says which date it reads).

Dated parameters
================

Every measure parameter is a ``Parameter``: one or more ``DatedValue`` (value, ``from``
date, policy reference), sorted by ``from``, no two with the same date. The value in
force at D is the last one with ``from <= D``; if D is before the first ``from``, the
first value applies (a rule set may be simulated before it takes effect). In YAML a
plain value means one value from the rule set's ``effective_from`` with the item's
reference; a list of ``{from, value, reference}`` gives dated values.

Parameter types (``ParamSpec.type``): ``points`` (Decimal, multiple of 0.25, may be
negative), ``decimal`` (Decimal ≥ 0), ``int`` (≥ 0), ``period`` (int months), ``tiers``
(mapping str → points), ``dates`` (tuple of dates), ``str``, ``strs`` (tuple of str),
``filter`` (mapping field → tuple of accepted str values; a record matches when, for
every field, ``str(record[field])`` is one of the values).

Measure kinds (the FIXED engine vocabulary; ``MEASURE_KINDS`` below lists parameters)
===================================================================================

Records are the subject's own live records unless said otherwise. "ids" = the record ids
that the engine reports behind the points.

City items
----------
age_band        age a at D. points = min(cap, base + per_year × max(0, pivot − a)) if
                min_age ≤ a ≤ max_age, else 0. No records (the ID number).
permit          ``residence_permit`` records *valid at D*: issued_on ≤ D, ended_on absent
                or ≥ D, and not suspended: suspended_on absent, or suspended_on > D, or
                last_endorsed_on in [suspended_on, D] (a late endorsement lifts it).
                Per valid permit: valid_points + min(months_cap, per_month ×
                full_months(count_start, D)). The best permit counts; none → 0.
distinct_months record_type periods (first_month..last_month, "YYYY-MM", inclusive); the
                union of months that are ≤ D's month; points = per_month × |union|.
highest_tier    record_type records with date_field ≤ D (and within ``window`` when
                given) and matching ``filter``; key = ":".join(str(value) of each
                key_fields field present in the record, in order), e.g. "level:4",
                "title:junior", "special"; points = the highest ``tiers[key]`` (keys not
                in tiers → 0); none → 0.
sum_tier        as highest_tier but the tiers of all matching records are summed.
count           record_type records with date_field ≤ D, within ``window`` when given,
                matching ``filter``; points = points_each × how many.
joined_spell    record_types records (start, end?) with start ≤ D, sorted by start; a
                record joins the current spell when (its start − the spell's end − 1 day)
                ≤ gap_days (an open end never breaks); the last spell containing D (start
                ≤ D, open or end ≥ D) counts when full_months(spell start, D) ≥
                min_full_months → points, else 0.
housing         owner_points if the subject or a spouse at D (``marriage`` links both
                ways: since ≤ D, ended_on absent or ≥ D; the spouse need not be a
                resident) has an owner_type record in force at D; else tenant_points if
                the subject has a tenant_types record in force at D; else 0.
in_force_for    record_type records in force at D with full_months(start, D) ≥
                min_full_months → points (once).
latest_count    record_type records with date_field ≤ D grouped by group_field; per
                group the latest date, the higher count_field on a tie; points =
                per_unit × Σ counts.
rate_sum_in_window
                record_type records with date_field within ``window`` (and matching
                ``filter``); points = points_per_unit × floor(Σ amount_field / unit).
listing         record_type listings in force at D: listed_on ≤ D, lifted_on absent or
                ≥ D, and D < add_months(listed_on, lapse). Any → points (once).
                In force until min(lifted_on, add_months(listed_on, lapse) − 1 day).
conviction      record_type records with convicted_on ≤ D and sentence_end >
                add_months(D, −lapse); points = points_each × how many. In force (for a
                ``while_in_force`` freeze) from sentence_start to sentence_end.
evidence_only   no department feed exists: 0 from data; points come only from reviewed
                evidence (domain §7.9). Parameters: none.

District items (the layer's district d)
---------------------------------------
Unless said otherwise they read ``district_item`` records with ``district == d`` and
``item == <the item's key>`` (or the measure's ``item`` parameter when given). Generic
kinds (``rate_sum_in_window``, ``count``…) used in a district layer with
``record_type: district_item`` get the same implicit filter.
event_within    any record with ``on`` within ``window`` → points (once).
state_in_force  any record in force at D, from ``on`` to ``end`` → points (once).
full_years_service
                Σ over records with on ≤ D of per_year × full_years(on, min(end + 1
                day, D)) (no end → D).
festival_stay   Y = the year of the last date in festival_dates on or before D (none →
                0); any record with ``on`` ≤ D and on.year == Y → points.
own_home_in_district
                the subject's own ``home_ownership`` with district == d in force at D
                → points (a spouse's home does not count).

Freezes
=======
An item may carry a ``Freeze``: ``duration`` (months; every counted record's date_field
s freezes [s, add_months(s, duration)), last frozen day = that − 1 day) or
``while_in_force`` (listing: while the listing is in force; conviction: from
sentence_start to sentence_end, for convictions with convicted_on ≤ D). The person is
frozen at D when any freeze covers D; ``frozen_until`` = the latest last frozen day among
the freezes covering D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

#: The ten county-level districts of domain §3.
DISTRICT_CODES: tuple[str, ...] = (
    "330203", "330205", "330206", "330211", "330212",
    "330213", "330225", "330226", "330281", "330282",
)

QUARTER = Decimal("0.25")
CENT = Decimal("0.01")

ParamType = Literal[
    "points", "decimal", "int", "period", "tiers", "dates", "str", "strs", "filter"
]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter a measure kind accepts; ``default`` None + required → must be given."""

    type: ParamType
    required: bool = True
    default: Any = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class MeasureKind:
    name: str
    params: Mapping[str, ParamSpec]
    district_only: bool = False
    formula: str = ""


def _p(type_: ParamType, doc: str = "", default: Any = None, required: bool | None = None
       ) -> ParamSpec:
    req = default is None if required is None else required
    return ParamSpec(type=type_, required=req, default=default, doc=doc)


_WIN = _p("period", "optional window before D", required=False)
_FILTER = _p("filter", "optional field filter", required=False)

#: The fixed vocabulary: kind → parameter specs (defaults shown are applied by the loader).
MEASURE_KINDS: dict[str, MeasureKind] = {k.name: k for k in (
    MeasureKind("age_band", {
        "min_age": _p("int", "youngest age that scores", 18),
        "max_age": _p("int", "oldest age that scores", 60),
        "base": _p("points"), "pivot": _p("int"), "per_year": _p("points"),
        "cap": _p("points"),
    }, formula="min(cap, base + per_year × max(0, pivot − age)) if min_age ≤ age ≤ max_age"),
    MeasureKind("permit", {
        "record_type": _p("str", default="residence_permit"),
        "valid_points": _p("points"), "per_month": _p("points"), "months_cap": _p("points"),
    }, formula="valid_points + min(months_cap, per_month × full months since count_start)"),
    MeasureKind("distinct_months", {
        "record_type": _p("str", default="social_insurance_period"),
        "per_month": _p("points"),
    }, formula="per_month × distinct months up to D's month"),
    MeasureKind("highest_tier", {
        "record_type": _p("str"), "key_fields": _p("strs"), "tiers": _p("tiers"),
        "date_field": _p("str"), "window": _WIN, "filter": _FILTER,
    }, formula="highest tiers[key] among the records"),
    MeasureKind("sum_tier", {
        "record_type": _p("str"), "key_fields": _p("strs"), "tiers": _p("tiers"),
        "date_field": _p("str"), "window": _WIN, "filter": _FILTER,
    }, formula="Σ tiers[key] over the records"),
    MeasureKind("count", {
        "record_type": _p("str"), "date_field": _p("str"), "points_each": _p("points"),
        "window": _WIN, "filter": _FILTER,
    }, formula="points_each × number of records"),
    MeasureKind("joined_spell", {
        "record_types": _p("strs", default=("employment",)),
        "gap_days": _p("int"), "min_full_months": _p("int"), "points": _p("points"),
    }, formula="points if the joined spell ongoing at D lasted ≥ min_full_months"),
    MeasureKind("housing", {
        "owner_type": _p("str", default="home_ownership"),
        "tenant_types": _p("strs", default=("lease", "public_rental", "dormitory")),
        "owner_points": _p("points"), "tenant_points": _p("points"),
    }, formula="owner_points if self or spouse owns; else tenant_points if renting"),
    MeasureKind("in_force_for", {
        "record_type": _p("str"), "min_full_months": _p("int"), "points": _p("points"),
    }, formula="points if a record in force at D has lasted ≥ min_full_months"),
    MeasureKind("latest_count", {
        "record_type": _p("str", default="insured_employees"),
        "group_field": _p("str", default="business_uscc"),
        "date_field": _p("str", default="as_of"),
        "count_field": _p("str", default="insured_count"),
        "per_unit": _p("points"),
    }, formula="per_unit × Σ latest count per group"),
    MeasureKind("rate_sum_in_window", {
        "record_type": _p("str"), "amount_field": _p("str"), "date_field": _p("str"),
        "window": _p("period"), "unit": _p("decimal"), "points_per_unit": _p("points"),
        "filter": _FILTER, "item": _p("str", required=False),
    }, formula="points_per_unit × floor(Σ amount in window / unit)"),
    MeasureKind("listing", {
        "record_type": _p("str", default="dishonesty_listing"),
        "lapse": _p("period"), "points": _p("points"),
    }, formula="points once while a listing is in force"),
    MeasureKind("conviction", {
        "record_type": _p("str", default="criminal_conviction"),
        "lapse": _p("period"), "points_each": _p("points"),
    }, formula="points_each × convictions ongoing or ended within lapse"),
    MeasureKind("evidence_only", {}, formula="0 from data; reviewed evidence only"),
    MeasureKind("event_within", {
        "window": _p("period"), "points": _p("points"), "item": _p("str", required=False),
    }, district_only=True, formula="points once if an event within window"),
    MeasureKind("state_in_force", {
        "points": _p("points"), "item": _p("str", required=False),
    }, district_only=True, formula="points while in force"),
    MeasureKind("full_years_service", {
        "per_year": _p("points"), "item": _p("str", required=False),
    }, district_only=True, formula="per_year × full years of each post"),
    MeasureKind("festival_stay", {
        "festival_dates": _p("dates"), "points": _p("points"),
        "item": _p("str", required=False),
    }, district_only=True, formula="points if stayed in the year of the last Spring Festival"),
    MeasureKind("own_home_in_district", {
        "record_type": _p("str", default="home_ownership"), "points": _p("points"),
    }, district_only=True, formula="points if the resident owns a home in the district"),
)}


@dataclass(frozen=True, slots=True)
class DatedValue:
    """One value of a parameter, in force from ``from_`` (inclusive), with its reference."""

    value: Any
    from_: dt.date
    reference: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A dated parameter: values sorted by ``from_``, strictly increasing dates."""

    name: str
    values: tuple[DatedValue, ...]

    def at(self, as_of: dt.date) -> DatedValue:
        """The value in force at ``as_of`` (the first value before the first date)."""
        chosen = self.values[0]
        for dv in self.values:
            if dv.from_ <= as_of:
                chosen = dv
            else:
                break
        return chosen

    def value_at(self, as_of: dt.date) -> Any:
        return self.at(as_of).value


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure of one kind of ``MEASURE_KINDS`` with its (dated) parameters."""

    kind: str
    params: Mapping[str, Parameter]

    def value(self, name: str, as_of: dt.date) -> Any:
        """The parameter's value at ``as_of``; None for an absent optional parameter."""
        param = self.params.get(name)
        return None if param is None else param.value_at(as_of)

    @property
    def formula(self) -> str:
        return MEASURE_KINDS[self.kind].formula


@dataclass(frozen=True, slots=True)
class Freeze:
    """Freeze of the use of points: ``duration_months`` from each counted record's date,
    or ``while_in_force`` (listing / sentence)."""

    duration_months: int | None = None
    while_in_force: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One indicator: key, category (or "district"), cap, words and measure."""

    key: str
    category: str
    max: Decimal | None
    name_zh: str
    description_zh: str
    reference: str
    measure: Measure
    freeze: Freeze | None = None
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Category:
    """A city category (base, bonus, deductions…); ``cap`` None = uncapped, no floor."""

    key: str
    name_zh: str
    cap: Decimal | None
    order: int = 0


@dataclass(frozen=True, slots=True)
class DistrictLayer:
    """The district items in force in one district, after template + overrides."""

    district: str
    cap: Decimal
    items: tuple[Item, ...]

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A versioned, effective-dated indicator system (one YAML file)."""

    id: str
    name: str
    effective_from: dt.date
    reference: str
    content_hash: str
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    template: DistrictLayer
    districts: Mapping[str, DistrictLayer]
    status: str = "active"
    source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def layer(self, district: str) -> DistrictLayer:
        """The district layer of ``district`` (the template for an unknown code)."""
        return self.districts.get(district, self.template)

    def items_of(self, category: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.category == category)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    @property
    def district_item_keys(self) -> tuple[str, ...]:
        """Every district item key used by any district, template order first."""
        keys: list[str] = [i.key for i in self.template.items]
        for code in DISTRICT_CODES:
            for i in self.layer(code).items:
                if i.key not in keys:
                    keys.append(i.key)
        return tuple(keys)
