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
import logging
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import polars as pl

from points.population import measures as m
from points.population.load import Frames, empty_frame, pid
from points.population.overrides import without_disregarded
from points.rules.model import DISTRICT_CODES, MEASURE_KINDS, Item, RuleSet

ID = m.ID
log = logging.getLogger("points.population")
# windows, sorts and cumulative scans run faster in memory than streaming here
ENGINE: Literal["in-memory"] = "in-memory"
DISTRICT_KINDS = frozenset({"event_within", "state_in_force", "full_years_service",
                            "festival_stay", "own_home_in_district"})


@contextmanager
def timed(what: str):  # type: ignore[no-untyped-def]
    """Log how long a stage took (logger points.population, level DEBUG)."""
    t0 = time.perf_counter()
    yield
    log.debug("%-40s %8.3f s", what, time.perf_counter() - t0)


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
    reads_items = ("record_type" in MEASURE_KINDS[kind].params
                   and (params.get("record_type") or "district_item") == "district_item")
    per_district = district is not None and (kind in DISTRICT_KINDS or reads_items)
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
    # sorted by (pid, k, record_id, arrival): a person's last row is the latest
    # registration, ties broken by record_id; 3.2 s (CPU) on the bench's city where a
    # group_by with arg_max, a window max and is_duplicated for the ties took 12.5 s
    who = (regs.with_columns(k=k).with_row_index("_i")
           .select(ID, "id_number", "district", "k", "record_id", "_i")
           .sort([ID, "k", "record_id", "_i"])
           .group_by(ID, maintain_order=True)
           .agg(pl.col("id_number").get(pl.col("_i").arg_min()), pl.col("district").last()))
    if people is not None:
        wanted = pl.LazyFrame({"id_number": sorted(set(people))}, schema={
            "id_number": pl.String}).with_columns(pid=pid())
        who = wanted.join(who.drop("id_number"), on=ID, how="left")
    ymd = pl.col(ID) // 1000 % 100_000_000
    birth = pl.date(ymd // 10_000, ymd // 100 % 100, ymd % 100)
    # from the column, not the expression: Polars evaluated ``birth`` once per use, 3.5 s
    # on the bench's city where this takes 1.0 s
    age = (m.full_months(pl.col("birth_date"), as_of) // 12).cast(pl.Int64)
    return who.with_columns(birth_date=birth).with_columns(
        age_years=age, is_minor=age < 18)


def _columns(q: pl.LazyFrame, needs: list[Need]) -> pl.LazyFrame:
    """One quantity frame → its input columns keyed by pid: v/until renamed; a
    per-district frame is spread to one column per district (one join, not ten)."""
    has_until = "until" in q.collect_schema().names()
    q = q.with_columns(pl.col("v").cast(pl.Int32))  # counts, months, hundredths: ≪ 2**31
    if needs[0].district is None:
        n = needs[0]
        return q.select(ID, pl.col("v").alias(n.column),
                        *([pl.col("until").alias(n.freeze_column)]
                          if n.freeze_column and has_until else []))
    aggs = []
    for n in needs:
        here = pl.col("district") == n.district
        aggs.append(pl.col("v").filter(here).first().alias(n.column))
        if n.freeze_column and has_until:
            aggs.append(pl.col("until").filter(here).first().alias(n.freeze_column))
    return q.group_by(ID).agg(aggs)


def prepare_inputs(frames: Frames, as_of: dt.date, rule_set: RuleSet | Sequence[RuleSet],
                   *, people: Iterable[str] | None = None, rent_subsidy: bool = True
                   ) -> pl.DataFrame:
    """One row per scored person (see ``persons``) with ``id_number``, ``pid``,
    ``district``, ``birth_date``, ``age_years``, ``is_minor`` and every quantity the rule
    set(s) need at D, plus the rent-subsidy facts of ``points.population.rent`` unless
    ``rent_subsidy=False`` (scores only: ``xjm points score``, 2.4 s less on the bench's
    city). Records an override disregards at D are left out first
    (``points.population.overrides``).

    Every type's current records are computed once (``materialize``), every quantity once
    (in parallel), then aligned to the persons by pid and stacked side by side."""
    from points.population.rent import rent_facts

    rule_sets = [rule_set] if isinstance(rule_set, RuleSet) else list(rule_set)
    # before materialize drops the record keys the overrides name (domain §9.1)
    frames = materialize(without_disregarded(frames, as_of), rule_sets, as_of)
    groups: dict[str, list[Need]] = {}
    specs: dict[str, m.Spec] = {}
    for rs in rule_sets:
        for _, item, need in needs_of(rs, as_of):
            key = need.column.split("@")[0]
            if item.measure.kind == "age_band" or any(
                    n.column == need.column for n in groups.get(key, ())):
                continue
            groups.setdefault(key, []).append(need)
            specs[key] = need.spec
    plans = [persons(frames, as_of, people),
             *([rent_facts(frames, as_of)] if rent_subsidy else []),
             *(_columns(m.BUILDERS[specs[k].kind](frames, specs[k]), groups[k])
               for k in groups)]
    # all at once, each sorted by pid for _align: Polars runs the queries side by side
    # (the command's preparing phase on the bench's city: about 17 s → 15 s)
    with timed("persons, rent facts and quantities"):
        base, *parts = pl.collect_all([p.sort(ID) for p in plans], engine=ENGINE)
    del frames, plans  # the records are not needed any more: free them before aligning
    with timed("align"):
        out = base.with_columns(_align(base, parts))
    return out


def _align(base: pl.DataFrame, parts: list[pl.DataFrame]) -> list[pl.Series]:
    """Each part's columns aligned to ``base`` rows (``base`` sorted by pid), as a left
    join on pid would: with both sides sorted, an as-of join with tolerance 0 (exact
    matches only, each pid at most once in a part) merges in one pass. 4.3 s for the 27
    parts of the bench's city where ``join(how="left")`` took 8.4 s."""
    keys = base.select(ID)
    out: list[pl.Series] = []
    for part in parts:  # sorted by pid (a sort of a sorted column returns at once)
        joined = keys.join_asof(part.sort(ID), on=ID, strategy="backward", tolerance=0)
        out.extend(joined.drop(ID).get_columns())
    return out


#: Columns no measure reads once versions are applied (dropped before materialising).
UNUSED = ("source", "type", "version", "op", "employer_uscc", "permit_no", "unit", "street",
          "occupation_code")
KEEP_IDS = {"residence_registration": ("id_number", "record_id"), "lease": ("record_id",)}


def _referenced(rule_sets: Sequence[RuleSet], as_of: dt.date) -> set[str]:
    """Field names the rule sets' parameters mention (they must not be dropped)."""
    names: set[str] = set()
    for rs in rule_sets:
        for _, item, _need in needs_of(rs, as_of):
            for name in item.measure.params:
                value = item.measure.value(name, as_of)
                if isinstance(value, str):
                    names.add(value)
                elif isinstance(value, tuple):
                    names.update(v for v in value if isinstance(v, str))
                elif isinstance(value, dict) and name == "filter":
                    names.update(value)
    return names


def unused_columns(rule_sets: RuleSet | Sequence[RuleSet], as_of: dt.date,
                   columns: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Per record type, the columns no measure of the rule sets reads at D once versions
    are applied (``columns``: each type's columns, by default those of its empty frame)."""
    rule_sets = [rule_sets] if isinstance(rule_sets, RuleSet) else list(rule_sets)
    keep = _referenced(rule_sets, as_of)
    if columns is None:
        from points.feeds.schema import TYPES

        columns = {name: empty_frame(name).collect_schema().names() for name in TYPES}
    return {name: [c for c in cols if c not in keep and (
        c in UNUSED or (c in ("id_number", "record_id") and c not in KEEP_IDS.get(name, ())))]
        for name, cols in columns.items()}


def materialize(frames: Frames, rule_sets: Sequence[RuleSet], as_of: dt.date) -> Frames:
    """Compute every type's current records once (in parallel), keeping only the columns
    measures read: each type feeds several measures and each quantity several districts."""
    names = list(frames)
    unused = unused_columns(rule_sets, as_of,
                            {name: frames[name].collect_schema().names() for name in names})
    plans = [frames[name].drop(unused[name]) for name in names]
    # one type at a time: the raw strings (record ids, ID numbers) of ~40 M rows decoded
    # at once would double the peak memory; each query is parallel inside anyway
    done = {}
    for name, plan in zip(names, plans, strict=True):
        with timed(f"materialize {name}"):
            done[name] = plan.collect(engine=ENGINE).lazy()
    return done
