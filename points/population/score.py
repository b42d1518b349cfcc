"""Quantities → points for a whole population, exactly (integer hundredths, Int64).

    common score   = Σ categories min(Σ items, cap)        (cap None: uncapped, no floor)
    score in d     = common + min(Σ district-d items, layer cap)

One expression per item over the prepared inputs (``points.population.prepare``), no
per-person Python. Item columns hold points after the item's ``max``; ``score_<d>`` for
the ten districts; ``score``/``frozen``/``frozen_until`` for the row's district (the
latest registration's unless one is given). Minors have no own score: every points column
is null for them. ``render`` turns hundredths into "82.25" strings or exact decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import polars as pl

from points.population.measures import hundredths
from points.population.prepare import needs_of, prepare_inputs
from points.population.rent import rent_columns
from points.rules.model import DISTRICT_CODES, Item, RuleSet

NON_POINTS = frozenset({"age_years"})
#: The score plan is row-wise (no window, sort or join), which Polars' streaming engine runs
#: in morsels on every core: 2.7 s on the bench's city (5.1 M rows) where the in-memory
#: engine, column by column through ~300 intermediate columns, took 5.3 s; same frame.
SCORE_ENGINE: Literal["streaming"] = "streaming"


def _h(item: Item, name: str, as_of: dt.date) -> int:
    return hundredths(item.measure.value(name, as_of))


def item_points(item: Item, column: str | None, as_of: dt.date) -> pl.Expr:
    """The item's raw points in hundredths from its quantity column (kind by kind)."""
    kind = item.measure.kind

    def h(name: str) -> int:
        return _h(item, name, as_of)

    def p(name: str) -> Any:
        return item.measure.value(name, as_of)

    v = pl.col(column).cast(pl.Int64) if column else pl.lit(None, pl.Int64)
    z = v.fill_null(0)
    if kind == "age_band":
        age = pl.col("age_years")
        pts = pl.min_horizontal(h("cap"), h("base") + h("per_year")
                                * pl.max_horizontal(0, p("pivot") - age))
        return pl.when((age >= p("min_age")) & (age <= p("max_age"))).then(pts).otherwise(0)
    if kind == "permit":
        return pl.when(v.is_not_null()).then(
            h("valid_points") + pl.min_horizontal(h("months_cap"), h("per_month") * v)
        ).otherwise(0)
    if kind == "distinct_months":
        return h("per_month") * z
    if kind in ("highest_tier", "sum_tier"):
        return z
    if kind in ("count", "conviction"):
        return h("points_each") * z
    if kind in ("joined_spell", "in_force_for"):
        return pl.when(z >= p("min_full_months")).then(h("points")).otherwise(0)
    if kind == "housing":
        return (pl.when(z == 2).then(h("owner_points")).when(z == 1).then(h("tenant_points"))
                .otherwise(0))
    if kind == "latest_count":
        return h("per_unit") * z
    if kind == "rate_sum_in_window":
        return h("points_per_unit") * (z // hundredths(p("unit")))
    if kind == "full_years_service":
        return h("per_year") * z
    if kind == "evidence_only":
        return pl.lit(0, pl.Int64)
    # listing, event_within, state_in_force, festival_stay, own_home_in_district: a flag
    return pl.when(z > 0).then(h("points")).otherwise(0)


def _capped(item: Item, raw: pl.Expr) -> pl.Expr:
    if item.max is None:
        return raw
    cap = hundredths(item.max)
    return pl.when(raw >= 0).then(pl.min_horizontal(raw, cap)).otherwise(
        pl.max_horizontal(raw, -cap))


def _total(parts: list[pl.Expr]) -> pl.Expr:
    return pl.sum_horizontal(parts) if parts else pl.lit(0, pl.Int64)


def score_population(inputs_or_frames: pl.DataFrame | pl.LazyFrame | dict, as_of: dt.date,
                     rule_set: RuleSet, district: str | None = None, *,
                     people: Iterable[str] | None = None) -> pl.DataFrame:
    """Score everyone in the inputs (or prepare them from ``{type: LazyFrame}`` frames).

    Columns: id_number, district, is_minor, age_years, one per city item, per category
    (capped), common, one per district item of the row's district, district_items (capped),
    score, score_<d> × 10, frozen, frozen_until, rent_subsidy_330212 (fen),
    rent_subsidy_eligible (these two when the inputs hold the rent facts, as
    ``prepare_inputs`` gives them unless ``rent_subsidy=False``). Points are Int64
    hundredths (``render`` for text/decimals); minors have null points. ``district``:
    score everyone in that district instead of the district of their latest
    registration; ``people``: score these ID numbers (frames only), registered or not."""
    return score_plan(inputs_or_frames, as_of, rule_set, district,
                      people=people).collect(engine=SCORE_ENGINE)


def score_plan(inputs_or_frames: pl.DataFrame | pl.LazyFrame | dict, as_of: dt.date,
               rule_set: RuleSet, district: str | None = None, *,
               people: Iterable[str] | None = None) -> pl.LazyFrame:
    """The lazy plan of ``score_population`` (to combine with other queries)."""
    if isinstance(inputs_or_frames, dict):
        lf = prepare_inputs(inputs_or_frames, as_of, rule_set, people=people).lazy()
    else:
        lf = inputs_or_frames.lazy()
    names = set(lf.collect_schema().names())
    needs = needs_of(rule_set, as_of)
    missing = sorted({n.column for _, i, n in needs
                      if i.measure.kind != "age_band" and n.column not in names})
    if missing:
        raise ValueError("the inputs were not prepared for this rule set (missing "
                         f"{', '.join(missing[:3])}…); pass the frames or prepare_inputs "
                         "with this rule set")
    if district is not None:
        lf = lf.with_columns(district=pl.lit(district))
    codes = {d: i for i, d in enumerate(DISTRICT_CODES)}
    lf = lf.with_columns(_d=pl.col("district").replace_strict(codes, default=-1,
                                                              return_dtype=pl.Int8))
    cols: dict[str, pl.Expr] = {}
    freezes: dict[str | None, list[pl.Expr]] = {}
    layer_items: dict[str, list[str]] = {d: [] for d in DISTRICT_CODES}
    for layer, item, need in needs:
        column = need.column if need.column in names else None
        pts = _capped(item, item_points(item, column, as_of)).cast(pl.Int64)
        if layer is None:
            cols[item.key] = pts
        else:
            cols[f"{layer}:{item.key}"] = pts
            layer_items[layer].append(item.key)
        if need.freeze_column and need.freeze_column in names:
            freezes.setdefault(layer, []).append(pl.col(need.freeze_column))
    # stage by stage, each stage referring to the columns of the previous one
    lf = lf.with_columns(**cols)
    cats = {}
    for cat in rule_set.categories:
        total = _total([pl.col(i.key) for i in rule_set.items_of(cat.key)])
        cats[cat.key] = total if cat.cap is None else pl.min_horizontal(
            total, hundredths(cat.cap))
    city_until = freezes.get(None, [])
    dist_cols = {"frozen_until_city": pl.max_horizontal(city_until) if city_until
                 else pl.lit(None, pl.Date)}
    for d in DISTRICT_CODES:
        dist_cols[f"district_items_{d}"] = pl.min_horizontal(
            _total([pl.col(f"{d}:{k}") for k in layer_items[d]]),
            hundredths(rule_set.layer(d).cap))
    lf = lf.with_columns(**cats, **dist_cols)
    # a district's own freezes (rare) add to the city's; otherwise the city's column serves
    lf = lf.with_columns(
        common=_total([pl.col(c) for c in cats]),
        **{f"frozen_until_{d}": (pl.max_horizontal([pl.col("frozen_until_city"),
                                                    *freezes[d]])
                                 if freezes.get(d) else pl.col("frozen_until_city"))
           for d in DISTRICT_CODES})
    row = pl.col("_d")

    def by_district(column: str) -> pl.Expr:
        """The row's district's column (a plain reference when one district is given)."""
        if district is not None:
            name = column.format(district)
            return pl.col(name) if name in pick_sources else pl.lit(None)
        expr = pl.lit(None)
        for d, i in codes.items():
            if column.format(d) in pick_sources:
                expr = pl.when(row == i).then(pl.col(column.format(d))).otherwise(expr)
        return expr

    pick_sources = {*cols, *dist_cols, *(f"frozen_until_{d}" for d in DISTRICT_CODES)}
    keys = list(dict.fromkeys(k for d in DISTRICT_CODES for k in layer_items[d]))
    pick = {district_item_column(k, rule_set): by_district("{}:" + k) for k in keys}
    lf = lf.with_columns(
        **{f"score_{d}": pl.col("common") + pl.col(f"district_items_{d}")
           for d in DISTRICT_CODES},
        **{f"frozen_{d}": pl.col(f"frozen_until_{d}").is_not_null() for d in DISTRICT_CODES})
    pick_sources |= {f"score_{d}" for d in DISTRICT_CODES}
    pick_sources |= {f"frozen_{d}" for d in DISTRICT_CODES}
    city = [i.key for i in rule_set.items]
    rent = rent_columns() if "rent:lease" in names else []  # prepared with the facts
    lf = lf.with_columns(*rent, **pick,
                         district_items=by_district("district_items_{}"),
                         score=by_district("score_{}"), frozen=by_district("frozen_{}"),
                         frozen_until=by_district("frozen_until_{}"))
    point_cols = [*city, *cats, "common", *pick, "district_items", "score",
                  *[f"score_{d}" for d in DISTRICT_CODES]]
    minor = pl.col("is_minor").fill_null(False)
    lf = lf.with_columns(
        *[pl.when(minor).then(None).otherwise(pl.col(c).cast(pl.Int64)).alias(c)
          for c in point_cols],
        frozen_until=pl.when(minor).then(None).otherwise(pl.col("frozen_until")),
        frozen=pl.when(minor).then(None).otherwise(pl.col("frozen").fill_null(False)))
    out = lf.select("id_number", "district", "is_minor", "age_years", *point_cols,
                    "frozen", "frozen_until", *(r.meta.output_name() for r in rent))
    return out


def district_item_column(key: str, rule_set: RuleSet) -> str:
    """The result column of the row's district's item ``key``: the key itself, or
    ``district:<key>`` where a city item or category has the same key."""
    clash = {i.key for i in rule_set.items} | {c.key for c in rule_set.categories}
    return f"district:{key}" if key in clash else key


def points_columns(df: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """The columns of a result that hold hundredths (points, and the subsidy in fen)."""
    schema = df.collect_schema()
    return [c for c, t in schema.items() if t == pl.Int64 and c not in NON_POINTS]


def render(df: pl.DataFrame, as_: str = "str") -> pl.DataFrame:
    """Hundredths → "82.25" strings (``as_="str"``) or exact ``Decimal(12, 2)``."""
    exprs = []
    for c in points_columns(df):
        v = pl.col(c)
        text = pl.format("{}{}.{}", pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                         v.abs() // 100, (v.abs() % 100).cast(pl.String).str.zfill(2))
        exprs.append((text if as_ == "str" else text.cast(pl.Decimal(12, 2))).alias(c))
    return df.with_columns(exprs)
