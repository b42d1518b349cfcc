"""The record types of the exchange format (../shared/docs/feeds.md), as data.

Everything the validator, the readers and the writers need to know about a type is one
`TypeSpec` entry in `TYPES`: who may send it, its fields with their kinds, which are
required, and the cross-field rules. A new type is one more entry; no code changes.

Field kinds (see `Kind`) decide both how a raw value is validated (points.feeds.parse) and
how it is typed in Parquet (points.feeds.writers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """How a field's value is written and checked."""

    CODE = "code"  # one of FieldSpec.codes
    KEY = "key"  # an open snake_case key (district_item.item: listed items or a district's own)
    DATE = "date"  # ISO YYYY-MM-DD, a day that exists
    MONTH = "month"  # YYYY-MM
    DISTRICT = "district"  # one of the ten Ningbo codes of domain §3
    COUNTY = "county"  # any Zhejiang county-level code 33xxxx
    STREET = "street"  # 9-digit street/town code
    MONEY = "money"  # yuan, >= 0, at most 2 decimals
    HOURS = "hours"  # > 0, at most 2 decimals
    INT = "int"  # integer within FieldSpec.min..max
    IDENTIFIER = "identifier"  # free string, 1..64 characters
    ID_NUMBER = "id_number"  # resident ID number (GB 11643), normalised to 18 characters
    USCC = "uscc"  # unified social credit code (GB 32100)


# Kinds whose value is a Python str in a Record (and a string column in Parquet).
STRING_KINDS = frozenset({
    Kind.CODE, Kind.KEY, Kind.MONTH, Kind.DISTRICT, Kind.COUNTY, Kind.STREET,
    Kind.IDENTIFIER, Kind.ID_NUMBER, Kind.USCC,
})
DECIMAL_KINDS = frozenset({Kind.MONEY, Kind.HOURS})

IDENTIFIER_MAX = 64
RECORD_ID_MAX = 64

# feeds.md "Limits": a value outside them is a rejected row (its reason says which limit).
# The integers fit the database's 32-bit columns, money its decimal(12,2) and Parquet's.
VERSION_MAX = 2_147_483_647
YEAR_MIN, YEAR_MAX = 1949, 2100
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
MONEY_MAX = Decimal("99999999.99")
HOURS_MAX = Decimal("1000")
INSURED_COUNT_MAX = 1_000_000

SOURCES: tuple[str, ...] = (
    "PSB", "HRSS", "EDU", "HOUSING", "SAMR", "IP", "AWARD", "VOLUNTEER", "BLOOD",
    "REDCROSS", "CREDIT", "COURT", "DISTRICT", "UNION", "XJM",
)
# Domain §9.1: the platform itself (its record_override decisions), and the record_id
# prefix of the records it writes under a department's source (its registrations and
# permits as PSB's online channel, accepted evidence). Only the platform's own services
# write either; a department's feed or an operator's file import is refused them
# (xinjumin.records.services).
PLATFORM_SOURCE = "XJM"
PLATFORM_RECORD_PREFIX = "XJM-"
# An override sets aside a department's record (or one the platform wrote under a
# department's source); overrides of overrides are not a thing: an override is undone by
# retracting it or by its `until`.
OVERRIDE_TARGET_SOURCES: tuple[str, ...] = tuple(s for s in SOURCES if s != PLATFORM_SOURCE)
OPS: tuple[str, ...] = ("upsert", "retract")

# Domain §3: the ten county-level districts of Ningbo.
DISTRICTS: tuple[str, ...] = (
    "330203", "330205", "330206", "330211", "330212",
    "330213", "330225", "330226", "330281", "330282",
)

ENVELOPE: tuple[str, ...] = ("source", "type", "record_id", "version", "op", "id_number")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One payload field of a record type."""

    name: str
    kind: Kind
    required: bool = True
    codes: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    multiline: bool = False  # an identifier that may hold line breaks (an address's unit)


class RuleKind(StrEnum):
    NOT_BEFORE = "not_before"  # field >= other (dates or months), when both are present
    REQUIRED_IF = "required_if"  # field is required when other == value
    ONLY_IF = "only_if"  # field may be present only when other == value
    PREFIX = "prefix"  # field starts with other's value (a street within its district)


@dataclass(frozen=True, slots=True)
class Rule:
    """A cross-field rule: see RuleKind for what `field`, `other` and `value` mean."""

    kind: RuleKind
    field: str
    other: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A record type: its senders, payload fields and cross-field rules.

    `sources` are the departments allowed to send it. When `source_by` is set, as
    (field, {value: source}), the value of that field decides the one allowed source
    (employment: `kind` business_licence comes from SAMR, the others from HRSS).
    `has_subject` is False for the one type without an id_number (complex_rent).
    """

    name: str
    sources: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    rules: tuple[Rule, ...] = ()
    has_subject: bool = True
    source_by: tuple[str, Mapping[str, str]] | None = None
    by_name: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", MappingProxyType({f.name: f for f in self.fields}))

    @property
    def field_order(self) -> tuple[str, ...]:
        """Column order of the samples: envelope, then payload in declaration order."""
        envelope = ENVELOPE if self.has_subject else ENVELOPE[:-1]
        return envelope + tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


# ---- helpers to keep the table below readable ------------------------------------------

def req(name: str, kind: Kind, *codes: str, min: int | None = None,
        max: int | None = None) -> FieldSpec:
    return FieldSpec(name, kind, True, codes, min, max)


def opt(name: str, kind: Kind, *codes: str, min: int | None = None,
        max: int | None = None, multiline: bool = False) -> FieldSpec:
    return FieldSpec(name, kind, False, codes, min, max, multiline)


def not_before(later: str, earlier: str) -> Rule:
    return Rule(RuleKind.NOT_BEFORE, later, earlier)


def required_if(name: str, other: str, value: str) -> Rule:
    return Rule(RuleKind.REQUIRED_IF, name, other, value)


def only_if(name: str, other: str, value: str) -> Rule:
    return Rule(RuleKind.ONLY_IF, name, other, value)


K = Kind
END_AFTER_START = (not_before("end", "start"),)
EMPLOYMENT_SOURCES = MappingProxyType({
    "contract": "HRSS", "registration": "HRSS", "land_contract": "HRSS",
    "business_licence": "SAMR",
})
DISTRICT_ITEMS = (
    "courage", "public_post", "party_member", "festival_stay", "charity", "patrol", "veteran",
)

_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec("residence_registration", ("PSB",), (
        req("district", K.DISTRICT), opt("street", K.STREET), opt("complex_id", K.IDENTIFIER),
        opt("unit", K.IDENTIFIER, multiline=True), req("arrived_on", K.DATE),
        req("registered_on", K.DATE),
        opt("ended_on", K.DATE),
    ), (
        Rule(RuleKind.PREFIX, "street", "district"),
        not_before("registered_on", "arrived_on"), not_before("ended_on", "registered_on"),
    )),
    TypeSpec("residence_permit", ("PSB",), (
        req("permit_no", K.IDENTIFIER), req("district", K.DISTRICT), req("issued_on", K.DATE),
        req("count_start", K.DATE), opt("last_endorsed_on", K.DATE),
        opt("suspended_on", K.DATE), opt("ended_on", K.DATE),
    ), (
        not_before("last_endorsed_on", "issued_on"), not_before("suspended_on", "issued_on"),
        not_before("ended_on", "issued_on"),
    )),
    TypeSpec("guardianship", ("PSB",), (
        req("child_id_number", K.ID_NUMBER), req("since", K.DATE),
    )),
    TypeSpec("marriage", ("PSB",), (
        req("spouse_id_number", K.ID_NUMBER), req("since", K.DATE), opt("ended_on", K.DATE),
    ), (not_before("ended_on", "since"),)),
    TypeSpec("social_insurance_period", ("HRSS",), (
        req("employer_uscc", K.USCC), req("district", K.COUNTY),
        req("first_month", K.MONTH), req("last_month", K.MONTH),
    ), (not_before("last_month", "first_month"),)),
    TypeSpec("employment", ("HRSS", "SAMR"), (
        req("kind", K.CODE, *EMPLOYMENT_SOURCES), req("district", K.DISTRICT),
        req("start", K.DATE), opt("end", K.DATE),
    ), END_AFTER_START, source_by=("kind", EMPLOYMENT_SOURCES)),
    TypeSpec("skill_certificate", ("HRSS",), (
        req("kind", K.CODE, "level", "title", "special"), opt("level", K.INT, min=1, max=5),
        opt("title", K.CODE, "junior", "intermediate", "senior"), req("issued_on", K.DATE),
    ), (
        required_if("level", "kind", "level"), only_if("level", "kind", "level"),
        required_if("title", "kind", "title"), only_if("title", "kind", "title"),
    )),
    TypeSpec("shortage_post", ("HRSS",), (
        req("occupation_code", K.IDENTIFIER), req("start", K.DATE), opt("end", K.DATE),
    ), END_AFTER_START),
    TypeSpec("diploma", ("EDU",), (
        req("level", K.CODE, "below_high_school", "high_school", "junior_college", "bachelor",
            "master", "doctor"),
        req("issued_on", K.DATE),
    )),
    TypeSpec("lease", ("HOUSING",), (
        req("district", K.DISTRICT), req("complex_id", K.IDENTIFIER),
        opt("unit", K.IDENTIFIER, multiline=True),
        req("monthly_rent", K.MONEY), req("start", K.DATE), opt("end", K.DATE),
    ), END_AFTER_START),
    TypeSpec("home_ownership", ("HOUSING",), (
        req("district", K.DISTRICT), opt("complex_id", K.IDENTIFIER), req("start", K.DATE),
        opt("end", K.DATE),
    ), END_AFTER_START),
    TypeSpec("public_rental", ("HOUSING",), (
        req("district", K.DISTRICT), req("start", K.DATE), opt("end", K.DATE),
    ), END_AFTER_START),
    TypeSpec("dormitory", ("HOUSING",), (
        req("district", K.DISTRICT), req("employer_uscc", K.USCC), req("start", K.DATE),
        opt("end", K.DATE),
    ), END_AFTER_START),
    TypeSpec("complex_rent", ("HOUSING",), (
        req("complex_id", K.IDENTIFIER), req("district", K.DISTRICT),
        req("year", K.INT, min=YEAR_MIN, max=YEAR_MAX), req("average_rent", K.MONEY),
    ), has_subject=False),
    TypeSpec("insured_employees", ("SAMR",), (
        req("business_uscc", K.USCC), req("as_of", K.DATE),
        req("insured_count", K.INT, min=0, max=INSURED_COUNT_MAX),
    )),
    TypeSpec("patent", ("IP",), (
        req("kind", K.CODE, "invention", "utility", "design"), req("granted_on", K.DATE),
    )),
    TypeSpec("award", ("AWARD",), (
        req("level", K.CODE, "national", "provincial", "city", "district"),
        req("awarded_on", K.DATE),
    )),
    TypeSpec("volunteer_service", ("VOLUNTEER",), (
        req("served_on", K.DATE), req("hours", K.HOURS),
    )),
    TypeSpec("blood_donation", ("BLOOD",), (
        req("donated_on", K.DATE), req("kind", K.CODE, "whole_blood", "platelet"),
    )),
    TypeSpec("donor", ("REDCROSS",), (
        req("kind", K.CODE, "stem_cell_registered", "organ_registered", "stem_cell_donated"),
        req("on", K.DATE),
    )),
    TypeSpec("admin_penalty", ("PSB",), (
        req("kind", K.CODE, "fine", "detention"), req("decided_on", K.DATE),
    )),
    TypeSpec("false_material", ("PSB",), (req("found_on", K.DATE),)),
    TypeSpec("dishonesty_listing", ("CREDIT",), (
        req("listed_on", K.DATE), opt("lifted_on", K.DATE),
    ), (not_before("lifted_on", "listed_on"),)),
    TypeSpec("criminal_conviction", ("COURT",), (
        req("convicted_on", K.DATE), req("sentence_start", K.DATE), req("sentence_end", K.DATE),
    ), (not_before("sentence_end", "sentence_start"),)),
    TypeSpec("union_membership", ("UNION",), (
        req("district", K.DISTRICT), req("start", K.DATE), opt("end", K.DATE),
    ), END_AFTER_START),
    # Domain §9.1: as of D, the record (target_source, target_record_id) is disregarded,
    # as if absent, while from <= D <= until (no until: from `from` on). The id_number is
    # the subject of the targeted record (so the override travels with that person's
    # records); the target is found by its key alone.
    TypeSpec("record_override", (PLATFORM_SOURCE,), (
        req("target_source", K.CODE, *OVERRIDE_TARGET_SOURCES),
        req("target_record_id", K.IDENTIFIER), req("effect", K.CODE, "disregard"),
        req("from", K.DATE), opt("until", K.DATE), req("case_no", K.IDENTIFIER),
    ), (not_before("until", "from"),)),
    TypeSpec("district_item", ("DISTRICT",), (
        req("district", K.DISTRICT), req("item", K.KEY, *DISTRICT_ITEMS), req("on", K.DATE),
        opt("end", K.DATE), opt("hours", K.HOURS),
    ), (not_before("end", "on"), required_if("hours", "item", "patrol"))),
)

TYPES: Mapping[str, TypeSpec] = MappingProxyType({t.name: t for t in _TYPES})
"""Every record type of feeds.md by name."""

FIELD_ORDER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {t.name: t.field_order for t in _TYPES}
)
"""Per type, the column order of the sample CSV files (envelope first); used by writers."""

TYPES_BY_SOURCE: Mapping[str, tuple[str, ...]] = MappingProxyType({
    s: tuple(t.name for t in _TYPES if s in t.sources) for s in SOURCES
})


def type_spec(name: str) -> TypeSpec:
    """The TypeSpec of a record type; KeyError if there is no such type."""
    return TYPES[name]
