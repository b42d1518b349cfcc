"""City measure kinds (base, bonus, deductions). Semantics: ``points.rules.model``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from points.feeds.record import Record
from points.inputs import (
    distinct_months,
    in_window,
    join_spells,
    latest_counts,
    record_ref,
    required_date,
    sum_amount,
)
from points.measures.base import ZERO, Context, MeasureResult, measure
from points.measures.dates import ONE_DAY, add_months, full_months, in_force


@measure("age_band")
def age_band(c: Context) -> MeasureResult:
    age = c.person.age
    if not c.p("min_age") <= age <= c.p("max_age"):
        return MeasureResult(ZERO, detail=f"{age} 周岁, 不在计分年龄段")
    pts = min(c.p("cap"), c.p("base") + c.p("per_year") * max(0, c.p("pivot") - age))
    return MeasureResult(pts, detail=f"{age} 周岁")


def permit_valid(r: Record, as_of: dt.date) -> bool:
    """Issued ≤ D, not ended, not suspended at D (a late endorsement lifts a suspension)."""
    if not in_force(r.date("issued_on"), r.date("ended_on"), as_of):
        return False
    suspended, endorsed = r.date("suspended_on"), r.date("last_endorsed_on")
    return (suspended is None or suspended > as_of
            or (endorsed is not None and suspended <= endorsed <= as_of))


@measure("permit")
def permit(c: Context) -> MeasureResult:
    best: MeasureResult | None = None
    for r in c.records():
        if not permit_valid(r, c.as_of):
            continue
        months = full_months(required_date(r, "count_start"), c.as_of)
        pts = c.p("valid_points") + min(c.p("months_cap"), c.p("per_month") * months)
        if best is None or pts > best.points:
            best = MeasureResult(pts, (record_ref(r),),
                                 f"有效居住证 {r.get('permit_no')}, 自 {r.get('count_start')}"
                                 f" 起满 {months} 个月")
    return best or MeasureResult(ZERO, detail="评分日无有效居住证")


@measure("distinct_months")
def distinct_months_(c: Context) -> MeasureResult:
    n, refs = distinct_months(c.records(), c.as_of)
    return MeasureResult(c.p("per_month") * n, tuple(refs), f"{n} 个不同的缴费月")


def _tier_records(c: Context) -> list[tuple[Decimal, str]]:
    tiers = c.p("tiers")
    out = []
    for r in in_window(c.records(), c.p("date_field"), c.as_of, c.p("window")):
        key = ":".join(str(r.get(f)) for f in c.p("key_fields") if r.get(f) is not None)
        if key in tiers:
            out.append((tiers[key], record_ref(r)))
    return out


@measure("highest_tier")
def highest_tier(c: Context) -> MeasureResult:
    found = _tier_records(c)
    if not found:
        return MeasureResult(ZERO, detail="无计分记录")
    pts, ref = max(found, key=lambda t: (t[0], t[1]))
    return MeasureResult(pts, (ref,), "取最高一项")


@measure("sum_tier")
def sum_tier(c: Context) -> MeasureResult:
    found = _tier_records(c)
    return MeasureResult(sum((p for p, _ in found), ZERO), tuple(r for _, r in found),
                         f"{len(found)} 项累计")


@measure("count")
def count(c: Context) -> MeasureResult:
    field = c.p("date_field")
    rows = in_window(c.records(), field, c.as_of, c.p("window"))
    return MeasureResult(c.p("points_each") * len(rows), tuple(record_ref(r) for r in rows),
                         f"{len(rows)} 条记录",
                         events=tuple((record_ref(r), required_date(r, field)) for r in rows))


@measure("joined_spell")
def joined_spell(c: Context) -> MeasureResult:
    records = [r for t in c.p("record_types") for r in c.person.records(t)]
    for spell in reversed(join_spells(records, c.as_of, c.p("gap_days"))):
        if spell.end is None or spell.end >= c.as_of:
            months = full_months(spell.start, c.as_of)
            pts = c.p("points") if months >= c.p("min_full_months") else ZERO
            return MeasureResult(pts, spell.refs, f"自 {spell.start} 起连续就业满 {months} 个月")
    return MeasureResult(ZERO, detail="评分日无持续的就业")


# a detail is read by residents: the tenancy in words, never its record-type code
TENANCY = {"lease": "登记租赁住房", "public_rental": "公共租赁住房", "dormitory": "单位宿舍"}


@measure("housing")
def housing(c: Context) -> MeasureResult:
    owner_type, as_of = c.p("owner_type"), c.as_of
    for r in c.person.records(owner_type):
        if in_force(r.date("start"), r.date("end"), as_of):
            return MeasureResult(c.p("owner_points"), (record_ref(r),), "本人在本市有房")
    for spouse, marriage in c.person.spouses():
        for r in c.person.index.of(spouse, owner_type, c.as_of):
            if in_force(r.date("start"), r.date("end"), as_of):
                return MeasureResult(c.p("owner_points"), (record_ref(marriage), record_ref(r)),
                                     "配偶在本市有房")
    for t in c.p("tenant_types"):
        for r in c.person.records(t):
            if in_force(r.date("start"), r.date("end"), as_of):
                return MeasureResult(c.p("tenant_points"), (record_ref(r),),
                                     f"本人居住在{TENANCY.get(t, '登记的租住房屋')}")
    return MeasureResult(ZERO, detail="无住房记录")


@measure("in_force_for")
def in_force_for(c: Context) -> MeasureResult:
    for r in c.records():
        start = r.date("start")
        if start is not None and in_force(start, r.date("end"), c.as_of):
            months = full_months(start, c.as_of)
            if months >= c.p("min_full_months"):
                return MeasureResult(c.p("points"), (record_ref(r),), f"已满 {months} 个月")
    return MeasureResult(ZERO, detail="无满期记录")


@measure("latest_count")
def latest_count(c: Context) -> MeasureResult:
    total, refs = latest_counts(c.records(), c.as_of, c.p("group_field"), c.p("date_field"),
                                c.p("count_field"))
    return MeasureResult(c.p("per_unit") * total, tuple(refs), f"共 {total} 人")


@measure("rate_sum_in_window")
def rate_sum_in_window(c: Context) -> MeasureResult:
    rows = in_window(c.records(), c.p("date_field"), c.as_of, c.p("window"))
    total = sum_amount(rows, c.p("amount_field"))
    units = int(total // c.p("unit"))
    return MeasureResult(c.p("points_per_unit") * units, tuple(record_ref(r) for r in rows),
                         f"合计 {total}, 满 {units} 个单位")


@measure("listing")
def listing(c: Context) -> MeasureResult:
    active = []
    for r in c.records():
        listed, lifted = required_date(r, "listed_on"), r.date("lifted_on")
        last = add_months(listed, c.p("lapse")) - ONE_DAY
        if lifted is not None:
            last = min(last, lifted)
        if listed <= c.as_of <= last:
            active.append((record_ref(r), listed, last))
    pts = c.p("points") if active else ZERO
    return MeasureResult(pts, tuple(a[0] for a in active), f"{len(active)} 项在名单期内",
                         in_force=tuple(active))


@measure("conviction")
def conviction(c: Context) -> MeasureResult:
    cutoff = add_months(c.as_of, -c.p("lapse"))
    counted, running = [], []
    for r in c.records():
        if required_date(r, "convicted_on") > c.as_of:
            continue
        sentence_end = required_date(r, "sentence_end")
        if sentence_end > cutoff:
            counted.append(record_ref(r))
        running.append((record_ref(r), required_date(r, "sentence_start"), sentence_end))
    return MeasureResult(c.p("points_each") * len(counted), tuple(counted),
                         f"{len(counted)} 项判决计分", in_force=tuple(running))


@measure("evidence_only")
def evidence_only(c: Context) -> MeasureResult:
    return MeasureResult(ZERO, detail="无部门数据, 凭审核通过的材料计分")
