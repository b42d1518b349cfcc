"""Measure kinds of ``points.rules.model`` as Polars quantities, one frame per measure.

A *quantity* is what the records say about a person at D before any points are given: a
count, a number of full months, a sum of hours in hundredths, a flag, the points of the
best tier. Each builder returns a LazyFrame keyed by ``id_number`` (and ``district`` for
district items) with ``v`` and, for items that freeze, ``until`` (the last frozen day of
the freezes covering D). ``points.population.score`` turns quantities into points with
the item's parameters. Semantics mirror ``points.measures`` record for record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from points.population.dates import add_months, full_months, in_force, month_index, within
from points.population.load import Frames, empty_frame, pid
from points.rules.model import Freeze

ID = "pid"  # Int64 person key (points.population.load.pid)
FAR = dt.date(9999, 12, 31)  # an open end
ONE_DAY = pl.duration(days=1)


def hundredths(value: Decimal | int) -> int:
    """Points or yuan → integer hundredths (exact; rule-set values have ≤ 2 places)."""
    h = Decimal(value) * 100
    if h != h.to_integral_value():
        raise ValueError(f"{value} is not a multiple of 0.01")
    return int(h)


@dataclass(frozen=True)
class Spec:
    """What a builder needs: the kind's parameters at D, the item, the layer district."""

    kind: str
    params: Mapping[str, Any]
    item_key: str
    per_district: bool
    freeze: Freeze | None
    as_of: dt.date

    def p(self, name: str) -> Any:
        return self.params.get(name)


def records(frames: Frames, type_: str, spec: Spec) -> pl.LazyFrame:
    """The live records a measure reads: its type, its ``filter``, and in a district layer
    the district items of the item's key (grouping by district does the rest)."""
    lf = frames.get(type_)
    lf = empty_frame(type_) if lf is None else lf
    for field, accepted in (spec.p("filter") or {}).items():
        lf = lf.filter(pl.col(field).cast(pl.String).is_in(list(accepted)))
    if spec.per_district and type_ == "district_item":
        lf = lf.filter(pl.col("item") == (spec.p("item") or spec.item_key))
    return lf


def _keys(spec: Spec) -> list[str]:
    return [ID, "district"] if spec.per_district else [ID]


def _agg(lf: pl.LazyFrame, spec: Spec, *aggs: pl.Expr, **named: pl.Expr) -> pl.LazyFrame:
    return lf.group_by(_keys(spec)).agg(*aggs, **named)


def _count_flag(lf: pl.LazyFrame, spec: Spec) -> pl.LazyFrame:
    return _agg(lf, spec, v=pl.len().cast(pl.Int64))


# ---- city kinds --------------------------------------------------------------------------

def permit(frames: Frames, s: Spec) -> pl.LazyFrame:
    d = pl.lit(s.as_of)
    susp, endorsed = pl.col("suspended_on"), pl.col("last_endorsed_on")
    valid = (in_force(pl.col("issued_on"), pl.col("ended_on"), s.as_of)
             & (susp.is_null() | (susp > d) | ((endorsed >= susp) & (endorsed <= d))))
    lf = records(frames, s.p("record_type"), s).filter(valid.fill_null(False))
    return _agg(lf, s, v=full_months(pl.col("count_start"), s.as_of).max().cast(pl.Int64))


def _runs(keys: list[str]) -> pl.Expr:
    """On rows sorted by ``keys``: a dense run number per key (1, 2, …), so that one
    global cumulative scan can stand for a per-person window (offset by run × a bound)."""
    new = pl.lit(False)
    for k in keys:
        new = new | (pl.col(k) != pl.col(k).shift(1)).fill_null(True)
    return new.cast(pl.Int64).cum_sum()


def distinct_months(frames: Frames, s: Spec) -> pl.LazyFrame:
    """Union of month ranges: sorted by first month, each period adds the months past the
    running maximum of the person's earlier last months (one global scan, no window)."""
    cur = s.as_of.year * 12 + s.as_of.month - 1
    keys, big = _keys(s), 1_000_000  # month indices < big
    lf = records(frames, s.p("record_type"), s).select(
        *keys, first=month_index(pl.col("first_month")),
        last=pl.min_horizontal(month_index(pl.col("last_month")), pl.lit(cur)))
    lf = lf.filter(pl.col("first") <= pl.col("last")).sort([*keys, "first", "last"])
    lf = lf.with_columns(r=_runs(keys) * big).with_columns(
        prev=(pl.col("r") + pl.col("last")).cum_max().shift(1).fill_null(0))
    add = (pl.col("r") + pl.col("last")
           - pl.max_horizontal(pl.col("r") + pl.col("first"), pl.col("prev") + 1) + 1)
    return lf.group_by(keys).agg(v=add.clip(lower_bound=0).sum().cast(pl.Int64))


def _tiers(frames: Frames, s: Spec, how: str) -> pl.LazyFrame:
    lf = records(frames, s.p("record_type"), s)
    names = lf.collect_schema().names()
    fields = [pl.col(f).cast(pl.String) for f in s.p("key_fields") if f in names]
    key = pl.concat_str(fields, separator=":", ignore_nulls=True)
    tiers = {k: hundredths(v) for k, v in s.p("tiers").items()}
    lf = lf.filter(within(pl.col(s.p("date_field")), s.as_of, s.p("window"))).with_columns(
        t=key.replace_strict(tiers, default=None, return_dtype=pl.Int64))
    lf = lf.filter(pl.col("t").is_not_null())
    return _agg(lf, s, v=pl.col("t").max() if how == "max" else pl.col("t").sum())


def count(frames: Frames, s: Spec) -> pl.LazyFrame:
    date = pl.col(s.p("date_field"))
    lf = records(frames, s.p("record_type"), s).filter(
        within(date, s.as_of, s.p("window")))
    aggs = [pl.len().cast(pl.Int64).alias("v")]
    if s.freeze is not None and s.freeze.duration_months is not None:
        last = date.dt.offset_by(f"{s.freeze.duration_months}mo") - ONE_DAY
        aggs.append(last.filter(last >= pl.lit(s.as_of)).max().alias("until"))
    return _agg(lf, s, *aggs)


def joined_spell(frames: Frames, s: Spec) -> pl.LazyFrame:
    """Spells join while (start − running max end − 1 day) ≤ gap_days (an open end never
    breaks); the spell holding D gives the full months from its start. Sorted rows and
    one global scan (the running max is offset per person), no window."""
    keys, big = _keys(s), 10_000_000  # day numbers (open end = 9999-12-31) < big
    parts = [records(frames, t, s).select(*keys, "start", "end") for t in s.p("record_types")]
    lf = (pl.concat(parts).filter(pl.col("start") <= pl.lit(s.as_of))
          .with_columns(sd=pl.col("start").cast(pl.Int64),
                        ed=pl.col("end").fill_null(pl.lit(FAR)).cast(pl.Int64))
          .sort([*keys, "sd", "ed"]))
    lf = lf.with_columns(r=_runs(keys) * big).with_columns(
        prev=(pl.col("r") + pl.col("ed")).cum_max().shift(1).fill_null(0))
    joins = (pl.col("prev") >= pl.col("r")) & (
        pl.col("sd") - (pl.col("prev") - pl.col("r")) - 1 <= s.p("gap_days"))
    lf = lf.with_columns(spell=(~joins).cast(pl.Int64).cum_sum())
    spells = lf.group_by("spell").agg(*[pl.col(k).first() for k in keys],
                                      st=pl.col("start").min(), e=pl.col("ed").max())
    spells = spells.filter(pl.col("e") >= (s.as_of - dt.date(1970, 1, 1)).days)
    return spells.group_by(keys).agg(
        v=full_months(pl.col("st"), s.as_of).max().cast(pl.Int64))


def in_force_ids(frames: Frames, type_: str, as_of: dt.date) -> pl.LazyFrame:
    lf = frames.get(type_)
    lf = empty_frame(type_) if lf is None else lf
    return lf.filter(in_force(pl.col("start"), pl.col("end"), as_of)).select(ID).unique()


def spouse_pairs(frames: Frames, as_of: dt.date) -> pl.LazyFrame:
    """(id_number, spouse) for marriages in force at D, both ways."""
    m = frames.get("marriage")
    m = (empty_frame("marriage") if m is None else m).filter(
        in_force(pl.col("since"), pl.col("ended_on"), as_of))
    a = m.select(ID, spouse=pid("spouse_id_number"))
    b = m.select(pid("spouse_id_number").alias(ID), spouse=pl.col(ID))
    return pl.concat([a, b]).filter(pl.col(ID) != pl.col("spouse")).unique()


def home_owners(frames: Frames, owner_type: str, as_of: dt.date) -> pl.LazyFrame:
    """IDs owning a home at D themselves or through a spouse at D."""
    own = in_force_ids(frames, owner_type, as_of)
    via = spouse_pairs(frames, as_of).join(own.rename({ID: "spouse"}), on="spouse").select(ID)
    return pl.concat([own, via]).unique()


def housing(frames: Frames, s: Spec) -> pl.LazyFrame:
    owners = home_owners(frames, s.p("owner_type"), s.as_of).with_columns(v=pl.lit(2, pl.Int64))
    tenants = [in_force_ids(frames, t, s.as_of).with_columns(v=pl.lit(1, pl.Int64))
               for t in s.p("tenant_types")]
    return pl.concat([owners, *tenants]).group_by(ID).agg(pl.col("v").max())


def in_force_for(frames: Frames, s: Spec) -> pl.LazyFrame:
    lf = records(frames, s.p("record_type"), s).filter(
        in_force(pl.col("start"), pl.col("end"), s.as_of))
    return _agg(lf, s, v=full_months(pl.col("start"), s.as_of).max().cast(pl.Int64))


def latest_count(frames: Frames, s: Spec) -> pl.LazyFrame:
    date, n = pl.col(s.p("date_field")), pl.col(s.p("count_field"))
    lf = records(frames, s.p("record_type"), s).filter(date <= pl.lit(s.as_of))
    per = lf.group_by(*_keys(s), s.p("group_field")).agg(c=n.filter(date == date.max()).max())
    return per.group_by(_keys(s)).agg(v=pl.col("c").sum().cast(pl.Int64))


def rate_sum_in_window(frames: Frames, s: Spec) -> pl.LazyFrame:
    lf = records(frames, s.p("record_type") or "district_item", s).filter(
        within(pl.col(s.p("date_field")), s.as_of, s.p("window")))
    amount = (pl.col(s.p("amount_field")) * 100).cast(pl.Int64)
    return _agg(lf, s, v=amount.sum().cast(pl.Int64))


def listing(frames: Frames, s: Spec) -> pl.LazyFrame:
    listed, lifted = pl.col("listed_on"), pl.col("lifted_on")
    last = pl.min_horizontal(listed.dt.offset_by(f"{s.p('lapse')}mo") - ONE_DAY, lifted)
    d = pl.lit(s.as_of)
    lf = records(frames, s.p("record_type"), s).with_columns(last=last).filter(
        (listed <= d) & (d <= pl.col("last")))
    return _agg(lf, s, v=pl.len().cast(pl.Int64), until=pl.col("last").max())


def conviction(frames: Frames, s: Spec) -> pl.LazyFrame:
    d, cutoff = pl.lit(s.as_of), pl.lit(add_months(s.as_of, -s.p("lapse")))
    start, end = pl.col("sentence_start"), pl.col("sentence_end")
    lf = records(frames, s.p("record_type"), s).filter(pl.col("convicted_on") <= d)
    return _agg(lf, s, v=(end > cutoff).sum().cast(pl.Int64),
                until=end.filter((start <= d) & (end >= d)).max())


def evidence_only(frames: Frames, s: Spec) -> pl.LazyFrame:
    schema = {ID: pl.Int64, "district": pl.String, "v": pl.Int64}
    return pl.LazyFrame(schema={k: schema[k] for k in [*_keys(s), "v"]})


# ---- district kinds (district_item records of the item, grouped by district) -------------

def event_within(frames: Frames, s: Spec) -> pl.LazyFrame:
    lf = records(frames, "district_item", s).filter(
        within(pl.col("on"), s.as_of, s.p("window")))
    return _count_flag(lf, s)


def state_in_force(frames: Frames, s: Spec) -> pl.LazyFrame:
    lf = records(frames, "district_item", s).filter(in_force(pl.col("on"), pl.col("end"),
                                                             s.as_of))
    return _count_flag(lf, s)


def full_years_service(frames: Frames, s: Spec) -> pl.LazyFrame:
    d = pl.lit(s.as_of)
    until = pl.min_horizontal(pl.col("end") + ONE_DAY, d).fill_null(d)
    lf = records(frames, "district_item", s).filter(pl.col("on") <= d)
    return _agg(lf, s, v=(full_months(pl.col("on"), until) // 12).sum().cast(pl.Int64))


def festival_stay(frames: Frames, s: Spec) -> pl.LazyFrame:
    past = [f for f in s.p("festival_dates") if f <= s.as_of]
    lf = records(frames, "district_item", s)
    if not past:
        return _count_flag(lf.filter(pl.lit(False)), s)
    on = pl.col("on")
    return _count_flag(lf.filter((on <= pl.lit(s.as_of)) & (on.dt.year() == past[-1].year)), s)


def own_home_in_district(frames: Frames, s: Spec) -> pl.LazyFrame:
    lf = records(frames, s.p("record_type"), s).filter(
        in_force(pl.col("start"), pl.col("end"), s.as_of))
    return _count_flag(lf, s)


BUILDERS: dict[str, Callable[[Frames, Spec], pl.LazyFrame]] = {
    "permit": permit, "distinct_months": distinct_months,
    "highest_tier": lambda f, s: _tiers(f, s, "max"),
    "sum_tier": lambda f, s: _tiers(f, s, "sum"),
    "count": count, "joined_spell": joined_spell, "housing": housing,
    "in_force_for": in_force_for, "latest_count": latest_count,
    "rate_sum_in_window": rate_sum_in_window, "listing": listing, "conviction": conviction,
    "evidence_only": evidence_only, "event_within": event_within,
    "state_in_force": state_in_force, "full_years_service": full_years_service,
    "festival_stay": festival_stay, "own_home_in_district": own_home_in_district,
}
"""Every measure kind except ``age_band`` (read from the ID number by prepare_inputs)."""

#: Parameters that change the quantity (the rest only turn it into points).
SELECTION: dict[str, tuple[str, ...]] = {
    "age_band": (), "permit": ("record_type",), "distinct_months": ("record_type",),
    "highest_tier": ("record_type", "key_fields", "tiers", "date_field", "window", "filter"),
    "sum_tier": ("record_type", "key_fields", "tiers", "date_field", "window", "filter"),
    "count": ("record_type", "date_field", "window", "filter"),
    "joined_spell": ("record_types", "gap_days"), "housing": ("owner_type", "tenant_types"),
    "in_force_for": ("record_type",),
    "latest_count": ("record_type", "group_field", "date_field", "count_field"),
    "rate_sum_in_window": ("record_type", "amount_field", "date_field", "window", "filter",
                           "item"),
    "listing": ("record_type", "lapse"), "conviction": ("record_type", "lapse"),
    "evidence_only": (), "event_within": ("window", "item"), "state_in_force": ("item",),
    "full_years_service": ("item",), "festival_stay": ("festival_dates", "item"),
    "own_home_in_district": ("record_type",),
}
