"""Evaluate one person's points under a rule set, with a full explanation.

    index = RecordIndex(records)                 # once
    score = evaluate_person(index, "3302…", dt.date(2026, 12, 1), "330212", rules)
    score.score, score.common, score.frozen, score.to_dict()

Formulas (domain §7.1): common = Σ_c capped(Σ items of c, cap_c); score in d = common +
min(Σ district-d items, cap). Points are Decimal, quantised to 0.01 at the edges only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from points.feeds.record import Record
from points.inputs import PersonInputs, RecordIndex, person_inputs, record_ref
from points.measures import registry
from points.measures.base import Context, MeasureResult
from points.measures.dates import ONE_DAY, add_months, in_force
from points.rules.model import CENT, Item, RuleSet

ZERO = Decimal(0)


def _q(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


@dataclass(frozen=True)
class ParamUsed:
    """A parameter value applied at D, with the date it is in force from and its reference."""

    name: str
    value: Any
    from_: dt.date
    reference: str

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, dict):
            value = {k: str(v) if isinstance(v, Decimal) else list(v) if isinstance(
                v, tuple) else v for k, v in value.items()}
        elif isinstance(value, tuple):
            value = [v.isoformat() if isinstance(v, dt.date) else v for v in value]
        return {"name": self.name, "value": value, "from": self.from_.isoformat(),
                "reference": self.reference}


@dataclass(frozen=True)
class ItemScore:
    """One item's points (after the item cap) and why."""

    key: str
    category: str
    name_zh: str
    rule_zh: str
    reference: str
    kind: str
    formula: str
    points: Decimal
    raw_points: Decimal
    max: Decimal | None
    detail: str
    params: tuple[ParamUsed, ...]
    record_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "category": self.category, "name_zh": self.name_zh,
            "rule_zh": self.rule_zh, "reference": self.reference, "kind": self.kind,
            "formula": self.formula, "points": _q(self.points),
            "raw_points": _q(self.raw_points), "max": _q(self.max), "detail": self.detail,
            "params": [p.to_dict() for p in self.params], "record_ids": list(self.record_ids),
        }


@dataclass(frozen=True)
class Total:
    """A category (or the district layer): sum of items, cap, and the capped total."""

    key: str
    name_zh: str
    total: Decimal
    cap: Decimal | None
    capped: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name_zh": self.name_zh, "total": _q(self.total),
                "cap": _q(self.cap), "capped": _q(self.capped)}


@dataclass(frozen=True)
class FreezeInfo:
    """A freeze covering D: which item, which record, first and last frozen day."""

    item: str
    record_id: str
    start: dt.date
    until: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "record_id": self.record_id,
                "start": self.start.isoformat(), "until": self.until.isoformat()}


@dataclass(frozen=True)
class PersonScore:
    """One person's score as of D in one district, with the explanation.

    For a minor (under 18 at D) ``is_minor`` is True, ``reason`` says why, and every
    score field is None/empty."""

    id_number: str
    as_of: dt.date
    district: str
    rule_set_id: str
    rule_set_hash: str
    age_years: int
    is_minor: bool
    reason: str
    items: tuple[ItemScore, ...]
    district_items: tuple[ItemScore, ...]
    categories: tuple[Total, ...]
    district_total: Total | None
    common: Decimal | None
    score: Decimal | None
    frozen: bool
    frozen_until: dt.date | None
    freezes: tuple[FreezeInfo, ...]

    def item(self, key: str) -> ItemScore | None:
        return next((i for i in (*self.items, *self.district_items) if i.key == key), None)

    def category(self, key: str) -> Total | None:
        return next((c for c in self.categories if c.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: decimals as strings with two places ("82.25"), dates ISO."""
        return {
            "id_number": self.id_number, "as_of": self.as_of.isoformat(),
            "district": self.district, "rule_set": self.rule_set_id,
            "rule_set_hash": self.rule_set_hash, "age_years": self.age_years,
            "is_minor": self.is_minor, "reason": self.reason,
            "score": _q(self.score), "common": _q(self.common),
            "categories": [c.to_dict() for c in self.categories],
            "district_total": self.district_total.to_dict() if self.district_total else None,
            "items": [i.to_dict() for i in self.items],
            "district_items": [i.to_dict() for i in self.district_items],
            "frozen": self.frozen,
            "frozen_until": self.frozen_until.isoformat() if self.frozen_until else None,
            "freezes": [f.to_dict() for f in self.freezes],
        }


def _score_item(person: PersonInputs, item: Item, district: str | None) -> tuple[
        ItemScore, MeasureResult]:
    ctx = Context(person, item.measure, item.key, district)
    result = registry()[item.measure.kind](ctx)
    raw = result.points + ZERO  # no "-0.00"
    points = raw
    if item.max is not None:
        points = min(raw, item.max) if raw >= 0 else max(raw, -item.max)
    params = tuple(ParamUsed(name, dv.value, dv.from_, dv.reference)
                   for name, p in item.measure.params.items()
                   for dv in (p.at(person.as_of),))
    return ItemScore(item.key, item.category, item.name_zh, item.description_zh,
                     item.reference, item.measure.kind, item.measure.formula, points, raw,
                     item.max, result.detail, params, result.refs), result


def _freezes(item: Item, result: MeasureResult, as_of: dt.date) -> list[FreezeInfo]:
    if item.freeze is None:
        return []
    spans: list[tuple[str, dt.date, dt.date]] = []
    if item.freeze.duration_months is not None:
        spans = [(ref, s, add_months(s, item.freeze.duration_months) - ONE_DAY)
                 for ref, s in result.events]
    elif item.freeze.while_in_force:
        spans = list(result.in_force)
    return [FreezeInfo(item.key, ref, s, e) for ref, s, e in spans if s <= as_of <= e]


def _as_index(index_or_records: RecordIndex | Iterable[Record]) -> RecordIndex:
    if isinstance(index_or_records, RecordIndex):
        return index_or_records
    return RecordIndex(index_or_records)


def evaluate_person(index_or_records: RecordIndex | Iterable[Record], id_number: str,
                    as_of: dt.date, district: str, rule_set: RuleSet) -> PersonScore:
    """Score one person as of D in ``district`` under ``rule_set``, explained item by item.

    ``index_or_records``: a ``RecordIndex`` (build it once to score many people) or the
    records themselves (versions/retractions are applied)."""
    index = _as_index(index_or_records)
    person = person_inputs(index, id_number, as_of)
    person_score = partial(PersonScore, id_number=id_number, as_of=as_of, district=district,
                           rule_set_id=rule_set.id, rule_set_hash=rule_set.content_hash,
                           age_years=person.age)
    if person.is_minor:
        return person_score(is_minor=True,
                            reason=f"未满 18 周岁 ({person.age} 周岁), 无本人积分; "
                            "子女服务取监护人最高积分"
                            f" / under 18 ({person.age}): no own score; services for a child"
                            " use the highest guardian score",
                            items=(), district_items=(), categories=(), district_total=None,
                            common=None, score=None, frozen=False, frozen_until=None,
                            freezes=())
    items, freezes = [], []
    for item in rule_set.items:
        scored, result = _score_item(person, item, None)
        items.append(scored)
        freezes += _freezes(item, result, as_of)
    categories = []
    for cat in rule_set.categories:
        total = sum((i.points for i in items if i.category == cat.key), ZERO)
        capped = total if cat.cap is None else min(total, cat.cap)
        categories.append(Total(cat.key, cat.name_zh, total, cat.cap, capped))
    common = sum((c.capped for c in categories), ZERO)
    layer = rule_set.layer(district)
    district_items = []
    for item in layer.items:
        scored, result = _score_item(person, item, district)
        district_items.append(scored)
        freezes += _freezes(item, result, as_of)
    d_total = sum((i.points for i in district_items), ZERO)
    district_total = Total("district", "区县个性分", d_total, layer.cap, min(d_total, layer.cap))
    frozen_until = max((f.until for f in freezes), default=None)
    return person_score(is_minor=False, reason="", items=tuple(items),
                        district_items=tuple(district_items), categories=tuple(categories),
                        district_total=district_total, common=common,
                        score=common + district_total.capped, frozen=bool(freezes),
                        frozen_until=frozen_until, freezes=tuple(freezes))


def highest_guardian_score(index_or_records: RecordIndex | Iterable[Record],
                           child_id_number: str, as_of: dt.date, district: str,
                           rule_set: RuleSet) -> PersonScore | None:
    """A child's score for services: the highest score in ``district`` among the child's
    guardians at D (adult guardians only; ties → the smaller ID number). None if none."""
    index = _as_index(index_or_records)
    best: PersonScore | None = None
    best_score: Decimal | None = None
    for guardian, _ in sorted(index.guardians(child_id_number, as_of)):
        s = evaluate_person(index, guardian, as_of, district, rule_set)
        if s.score is not None and (best_score is None or s.score > best_score):
            best, best_score = s, s.score
    return best


def _registered_by(registration: Record, as_of: dt.date) -> bool:
    registered = registration.date("registered_on")
    return registered is not None and registered <= as_of


def scored_people(index_or_records: RecordIndex | Iterable[Record], as_of: dt.date
                  ) -> list[str]:
    """Who is scored at D: every subject of a residence registration registered on or
    before D (ended registrations included), sorted. Minors are included (flagged when
    evaluated)."""
    index = _as_index(index_or_records)
    return sorted(i for i in index.subjects("residence_registration")
                  if any(_registered_by(r, as_of)
                         for r in index.of(i, "residence_registration", as_of)))


def home_district(index: RecordIndex, id_number: str, as_of: dt.date) -> str | None:
    """The district of the person's latest residence registration registered ≤ D."""
    regs = [r for r in index.of(id_number, "residence_registration", as_of)
            if _registered_by(r, as_of)]
    if not regs:
        return None
    latest = max(regs, key=lambda r: (r.date("registered_on"), r.date("arrived_on")
                                      or r.date("registered_on"), r.record_id))
    return str(latest.get("district"))


@dataclass(frozen=True)
class RentSubsidy:
    """§8.2 figure at D: the lease, the complex rent used, the monthly amount, eligibility."""

    amount: Decimal | None
    eligible: bool
    lease_id: str | None
    rent_id: str | None
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"amount": _q(self.amount), "eligible": self.eligible, "lease_id": self.lease_id,
                "rent_id": self.rent_id, "reasons": list(self.reasons)}


def rent_subsidy_figure(index_or_records: RecordIndex | Iterable[Record], id_number: str,
                        as_of: dt.date, rule_set: RuleSet, *, district: str = "330212",
                        share: Decimal = Decimal("0.40"), threshold: Decimal = Decimal(60),
                        score: PersonScore | None = None) -> RentSubsidy:
    """The rent-subsidy figure of domain §7.8 / §8.2 at D ([default] share and threshold).

    Amount: ``share`` × the average rent (D's year, else the latest earlier year) of the
    complex of the lease in ``district`` in force at D with the latest start, half-up to
    0.01. Eligible when: score in ``district`` ≥ threshold, a valid permit, that lease,
    no home of the resident or a spouse in the city, no public rental, not frozen."""
    from points.measures.city import permit_valid

    index = _as_index(index_or_records)
    leases = [r for r in index.of(id_number, "lease", as_of) if r.get("district") == district
              and in_force(r.date("start"), r.date("end"), as_of)]
    lease = max(leases, key=lambda r: (r.date("start"), r.record_id), default=None)
    rent = (index.complex_rent(str(lease.get("complex_id")), as_of.year, as_of)
            if lease else None)
    amount = None
    if rent is not None:
        amount = (share * Decimal(rent.get("average_rent"))).quantize(CENT, ROUND_HALF_UP)
    score = score or evaluate_person(index, id_number, as_of, district, rule_set)
    owners = [id_number] + [s for s, _ in index.spouses(id_number, as_of)]
    checks = {
        "score": score.score is not None and score.score >= threshold,
        "permit": any(permit_valid(r, as_of)
                      for r in index.of(id_number, "residence_permit", as_of)),
        "lease": lease is not None,
        "no_home": not any(in_force(r.date("start"), r.date("end"), as_of)
                           for o in owners for r in index.of(o, "home_ownership", as_of)),
        "no_public_rental": not any(in_force(r.date("start"), r.date("end"), as_of)
                                    for r in index.of(id_number, "public_rental", as_of)),
        "not_frozen": not score.frozen,
    }
    return RentSubsidy(amount, all(checks.values()), record_ref(lease) if lease else None,
                       record_ref(rent) if rent else None,
                       tuple(k for k, ok in checks.items() if not ok))
