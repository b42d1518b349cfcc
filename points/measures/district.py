"""District measure kinds (the district layer of district d). Semantics: rules.model."""

from __future__ import annotations

from points.inputs import in_window, record_ref
from points.measures.base import ZERO, Context, MeasureResult, measure
from points.measures.dates import ONE_DAY, full_years, in_force


@measure("event_within")
def event_within(c: Context) -> MeasureResult:
    rows = in_window(c.records("district_item"), "on", c.as_of, c.p("window"))
    if not rows:
        return MeasureResult(ZERO, detail="期间内无记录")
    return MeasureResult(c.p("points"), tuple(record_ref(r) for r in rows), "期间内有记录")


@measure("state_in_force")
def state_in_force(c: Context) -> MeasureResult:
    rows = [r for r in c.records("district_item")
            if in_force(r.date("on"), r.date("end"), c.as_of)]
    if not rows:
        return MeasureResult(ZERO, detail="评分日不在登记期内")
    return MeasureResult(c.p("points"), tuple(record_ref(r) for r in rows), "评分日在登记期内")


@measure("full_years_service")
def full_years_service(c: Context) -> MeasureResult:
    total, refs, parts = ZERO, [], []
    for r in c.records("district_item"):
        start, end = r.date("on"), r.date("end")
        if start is None or start > c.as_of:
            continue
        until = c.as_of if end is None else min(end + ONE_DAY, c.as_of)
        years = full_years(start, until)
        total += c.p("per_year") * years
        refs.append(record_ref(r))
        parts.append(f"{start}–{end or '至今'} 满 {years} 年")
    return MeasureResult(total, tuple(refs), "; ".join(parts) or "无岗位记录")


@measure("festival_stay")
def festival_stay(c: Context) -> MeasureResult:
    past = [d for d in c.p("festival_dates") if d <= c.as_of]
    if not past:
        return MeasureResult(ZERO, detail="评分日前无春节日期")
    year = past[-1].year
    rows = [r for r in c.records("district_item")
            if (on := r.date("on")) is not None and on <= c.as_of and on.year == year]
    if not rows:
        return MeasureResult(ZERO, detail=f"{year} 年春节无留区记录")
    return MeasureResult(c.p("points"), tuple(record_ref(r) for r in rows),
                         f"{year} 年春节({past[-1]})留区")


@measure("own_home_in_district")
def own_home_in_district(c: Context) -> MeasureResult:
    rows = [r for r in c.person.records(c.p("record_type"))
            if r.get("district") == c.district and in_force(r.date("start"), r.date("end"),
                                                            c.as_of)]
    if not rows:
        return MeasureResult(ZERO, detail="本人在本区县无房")
    return MeasureResult(c.p("points"), tuple(record_ref(r) for r in rows), "本人在本区县有房")
