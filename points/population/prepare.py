"""Current records → one row per scored person with the quantity of every measure.

``prepare_inputs`` is the heavy, record-level half of population scoring (everything that
groups records by person); ``points.population.score`` is the cheap half (parameters →
points), so rule sets that only change points, caps or tiers re-score without re-reading
records. A quantity column is named after its item and a hash of the parameters that
change it (``q:permit:1a2b3c4d``, district items ``…@330226``), so inputs prepared for
several rule sets at once hold each distinct quantity once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from points.population import measures as m
from points.population.load import Frames, empty_frame, pid
from points.rules.model import DISTRICT_CODES, Item, RuleSet

ID = m.ID
DISTRICT_KINDS = frozenset({"event_within", "state_in_force", "full_years_service",
                            "festival_stay", "own_home_in_district"})


@dataclass(frozen=True)
class Need:
    """One quantity column (``column``; ``freeze_column`` for items that freeze)."""

    spec: m.Spec
    column: str
    freeze_column: str | None
    district: str | None


def need_for(item: Item, as_of: dt.date, district: str | None = None) -> Need:
    """The quantity an item needs at D (``district``: the layer's district)."""
    kind = item.measure.kind
    params = {name: item.measure.value(name, as_of) for name in item.measure.params}
    per_district = district is not None and (
        kind in DISTRICT_KINDS or (params.get("record_type") or "district_item") == "district_item")
    freeze = item.freeze if kind in ("count", "listing", "conviction") else None
    spec = m.Spec(kind, params, item.key, per_district, freeze, as_of)
    chosen = {k: params.get(k) for k in m.SELECTION[kind]}
    if kind in DISTRICT_KINDS or per_district:
        chosen.setdefault("item", None)
        chosen["item"] = chosen["item"] or item.key
    text = repr((kind, sorted(chosen.items()), per_district, freeze))
    sig = hashlib.sha1(text.encode()).hexdigest()[:8]  # noqa: S324 - a name, not security
    column = f"q:{item.key}:{sig}" + (f"@{district}" if per_district else "")
    freeze_column = None if freeze is None else "f" + column[1:]
    return Need(spec, column, freeze_column, district if per_district else None)


def needs_of(rule_set: RuleSet, as_of: dt.date) -> list[tuple[str | None, Item, Need]]:
    """Every (layer district or None, item, need) the rule set scores at D."""
    out: list[tuple[str | None, Item, Need]] = [(None, i, need_for(i, as_of))
                                                for i in rule_set.items]
    for d in DISTRICT_CODES:
        out += [(d, i, need_for(i, as_of, d)) for i in rule_set.layer(d).items]
    return out


def persons(frames: Frames, as_of: dt.date, people: Iterable[str] | None = None
            ) -> pl.LazyFrame:
    """Who is scored: subjects of registrations registered ≤ D, with the district of the
    latest one (by registered_on, arrived_on, record_id); or the given ``people`` (their
    district null when unregistered). Adds ``pid``, birth date, full years of age (full
    months // 12, §7.8) and the minor flag."""
    regs = frames.get("residence_registration")
    regs = (empty_frame("residence_registration") if regs is None else regs).filter(
        pl.col("registered_on") <= pl.lit(as_of))
    # latest by (registered_on, arrived_on) as one integer; record_id breaks the rare ties
    k = (pl.col("registered_on").cast(pl.Int64) * 2**21
         + (pl.col("arrived_on").cast(pl.Int64) - pl.col("registered_on").cast(pl.Int64)
            + 2**20))
    regs = regs.with_columns(k=k)
    who = regs.group_by(ID).agg(pl.col("id_number").first(),
                                district=pl.col("district").get(pl.col("k").arg_max()))
    top = regs.filter(pl.col("k") == pl.col("k").max().over(ID))
    ties = top.filter(pl.col(ID).is_duplicated()).group_by(ID).agg(
        tie=pl.col("district").sort_by("record_id").last())
    who = who.join(ties, on=ID, how="left").select(
        ID, "id_number", district=pl.coalesce("tie", "district"))
    if people is not None:
        wanted = pl.LazyFrame({"id_number": sorted(set(people))}, schema={
            "id_number": pl.String}).with_columns(pid())
        who = wanted.join(who.drop("id_number"), on=ID, how="left")
    ymd = pl.col(ID) // 1000 % 100_000_000
    birth = pl.date(ymd // 10_000, ymd // 100 % 100, ymd % 100)
    age = (m.full_months(birth, as_of) // 12).cast(pl.Int64)
    return who.with_columns(birth_date=birth).with_columns(
        age_years=age, is_minor=age < 18)


def _widen(q: pl.LazyFrame, need: Need) -> pl.LazyFrame:
    """Rename v/until to the need's columns (per-district frames: one district's rows)."""
    if need.district is not None:
        q = q.filter(pl.col("district") == need.district).drop("district")
    cols = {"v": need.column}
    names = q.collect_schema().names()
    if need.freeze_column and "until" in names:
        cols["until"] = need.freeze_column
    return q.select(ID, *[pl.col(a).alias(b) for a, b in cols.items()])


def prepare_inputs(frames: Frames, as_of: dt.date, rule_set: RuleSet | Sequence[RuleSet],
                   *, people: Iterable[str] | None = None, lazy: bool = False
                   ) -> pl.DataFrame | pl.LazyFrame:
    """One row per scored person (see ``persons``) with ``district``, ``birth_date``,
    ``age_years``, ``is_minor`` and every quantity the rule set(s) need at D, plus the
    rent-subsidy facts of ``points.population.rent``. ``lazy=True`` returns the plan."""
    from points.population.rent import rent_facts

    rule_sets = [rule_set] if isinstance(rule_set, RuleSet) else list(rule_set)
    out = persons(frames, as_of, people)
    built: dict[tuple, pl.LazyFrame] = {}
    seen: set[str] = set()
    for rs in rule_sets:
        for _, item, need in needs_of(rs, as_of):
            if item.measure.kind == "age_band" or need.column in seen:
                continue
            seen.add(need.column)
            key = need.column.split("@")[0]
            if key not in built:
                built[key] = m.BUILDERS[need.spec.kind](frames, need.spec)
            out = out.join(_widen(built[key], need), on=ID, how="left")
    out = out.join(rent_facts(frames, as_of), on=ID, how="left")
    return out if lazy else out.collect()
