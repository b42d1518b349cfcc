"""What would raise an item that is below its maximum (domain §7.9), in both languages.

Data-driven from the item's measure kind and the parameters in force at D, so a city that
changes the rules changes the hints. ``HINTS`` has one function per measure kind of
``points.rules.model.MEASURE_KINDS`` (the measure-kind guard test checks none is missing).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from decimal import Decimal

from points import Item
from xinjumin.labels.base import Label, a, num, period
from xinjumin.labels.records import field_label, record_type
from xinjumin.labels.rules import Rule


class HintContext(Rule):
    """The rule's parameters plus the item's points and whether records were found."""

    def __init__(self, item: Item, points: Decimal, as_of: dt.date, has_records: bool
                 ) -> None:
        super().__init__(item, as_of)
        self.points, self.has_records = points, has_records
        self.missing = (item.max or Decimal(0)) - points

    def evidence(self) -> Label:
        return Label(f"如有未被记录的{self.item.name_zh}情况, 可提交证明材料, "
                     "由主管部门在 10 个工作日内审核",
                     "if something is missing from the records, submit evidence: the "
                     "department reviews it within 10 working days")

    def objection(self) -> Label:
        return Label("如认为记录有误, 可提出异议, 由另一名审核人员在 5 个工作日内复核",
                     "if a record is wrong, object to it: another reviewer re-examines it "
                     "within 5 working days")

    def needed(self, per: Decimal) -> int:
        """How many more units (months, years) of ``per`` points reach the maximum."""
        return math.ceil(self.missing / per) if per > 0 else 0


Hint = Callable[[HintContext], list[Label]]


def _age_band(h: HintContext) -> list[Label]:
    return [Label("年龄分按身份证号码计算, 不能通过提交材料提高",
                  "age points follow from the ID number; evidence cannot raise them")]


def _permit(h: HintContext) -> list[Label]:
    if not h.has_records or h.points == 0:
        return [Label("未查询到有效居住证: 可申领居住证或按时签注",
                      "no valid residence permit on record: apply for one or endorse "
                      "it on time"), h.evidence()]
    per = h.d("per_month")
    n = h.needed(per)
    return [Label(f"持证居住每满 1 个月加 {num(per)} 分, 再居住 {n} 个月可得满分",
                  f"each full month of residence adds {num(per)}; {n} more "
                  "months give full points")]


def _distinct_months(h: HintContext) -> list[Label]:
    n = h.needed(h.d("per_month"))
    more = Label(f"再缴纳 {n} 个月社保可得满分",
                 f"{n} more months of contributions give full points")
    if not h.has_records:
        what = record_type(h.type_)
        return [Label(f"未查询到{what.zh}记录: 可提交缴费证明材料",
                      f"no {what.en} on record: submit evidence"), more]
    return [more, h.evidence()]


def _tiers(h: HintContext) -> list[Label]:
    what = record_type(h.type_)
    tiers = h.v("tiers") or {}
    best = max((Decimal(t) for t in tiers.values()), default=Decimal(0))
    if not h.has_records:
        return [Label(f"未查询到{what.zh}记录: 可提交{what.zh}证明材料",
                      f"no {what.en} on record: submit evidence")]
    return [Label(f"已按记录计分; 取得更高等级(最高 {num(best)} 分)可提交{what.zh}证明材料",
                  f"scored from the records; a higher level (up to {num(best)}) "
                  f"counts: submit evidence of it")]


def _sum_tier(h: HintContext) -> list[Label]:
    return _tiers(h)


def _joined_spell(h: HintContext) -> list[Label]:
    months, pts, gap = h.v("min_full_months"), h.d("points"), h.v("gap_days")
    zh = "在本市持续就业" if not h.has_records else "当前就业期持续"
    return [Label(f"{zh}满 {months} 个月可得 {num(pts)} 分 (间隔不超过 {gap} 天的就业期连续计算)",
                  f"an employment spell in the city ongoing for {months} full months "
                  f"gives {num(pts)} (gaps of up to {gap} days join)"), h.evidence()]


def _housing(h: HintContext) -> list[Label]:
    own, rent = h.d("owner_points"), h.d("tenant_points")
    return [Label(f"本人或配偶在本市拥有住房得 {num(own)} 分; 登记租赁住房、"
                  f"公共租赁住房或单位宿舍得 {num(rent)} 分",
                  f"owning a home (you or your spouse) gives {num(own)}; "
                  f"a registered lease, public rental or dormitory gives {num(rent)}"),
            h.evidence()]


def _rate_sum_in_window(h: HintContext) -> list[Label]:
    what = h.what()
    unit, per = h.d("unit"), h.d("points_per_unit")
    return [Label(f"每满 {num(unit)} 小时{what.zh}加 {num(per)} 分",
                  f"each full {num(unit)} hours of {what.en} add {num(per)}"), h.evidence()]


def _on_record(h: HintContext) -> list[Label]:
    """count, latest_count, in_force_for: say when nothing was found, else evidence."""
    if not h.has_records:
        what = record_type(h.type_)
        return [Label(f"未查询到{what.zh}记录: 可提交证明材料",
                      f"no {what.en} on record: submit evidence")]
    return [h.evidence()]


def _count(h: HintContext) -> list[Label]:
    each = h.d("points_each")
    if each >= 0:
        return _on_record(h)
    window = h.window()
    date = field_label(h.type_, str(h.v("date_field")))
    if window is None:
        return [h.objection()]
    return [Label(f"每条记录自{date.zh}起满 {window.zh}后不再扣分",
                  f"each record stops counting {window.en} after its date ({date.en})"),
            h.objection()]


def _listing(h: HintContext) -> list[Label]:
    lapse = period(int(h.v("lapse")))
    return [Label(f"移出名单或列入满 {lapse.zh}后本项不再计分",
                  f"this item stops counting when the listing is lifted or {lapse.en} after "
                  f"it was listed"), h.objection()]


def _conviction(h: HintContext) -> list[Label]:
    lapse = period(int(h.v("lapse")))
    return [Label(f"刑满 {lapse.zh}后本项不再计分",
                  f"this item stops counting {lapse.en} after the sentence ends"),
            h.objection()]


def _evidence_only(h: HintContext) -> list[Label]:
    return [Label("本项没有部门数据: 提交证明材料, 由主管部门在 10 个工作日内审核后计分",
                  "no department sends these data: submit evidence; the department reviews "
                  "it within 10 working days and the points count then")]


def _event_within(h: HintContext) -> list[Label]:
    what, window = h.what(), h.window() or Label("", "")
    return [Label(f"{what.zh}记录在 {window.zh}内有效, 每个区县只计一次",
                  f"{a(what.en)} record counts for {window.en}, once per district"),
            h.evidence()]


def _state_in_force(h: HintContext) -> list[Label]:
    what, pts = h.what(), h.d("points")
    return [Label(f"在本区县登记{what.zh}并在有效期内得 {num(pts)} 分",
                  f"registering in the district ({what.en}) gives {num(pts)} while the record "
                  f"is in force"), h.evidence()]


def _full_years_service(h: HintContext) -> list[Label]:
    what, per = h.what(), h.d("per_year")
    n = h.needed(per)
    return [Label(f"在本区县{what.zh}服务每满 1 年加 {num(per)} 分, 再服务 {n} 年可得满分",
                  f"each full year of service in the district ({what.en}) adds {num(per)}; "
                  f"{n} more years give full points"), h.evidence()]


def _festival_stay(h: HintContext) -> list[Label]:
    what, pts = h.what(), h.d("points")
    coming = [d for d in (h.v("festival_dates") or ()) if d > h.as_of]
    if coming:
        nxt = coming[0].isoformat()
        return [Label(f"下一个春节({nxt})在本区县留区过年并登记, 可得 {num(pts)} 分",
                      f"staying in the district over the next Spring Festival ({nxt}) and "
                      f"having it recorded ({what.en}) gives {num(pts)}"), h.evidence()]
    return [h.evidence()]


def _own_home_in_district(h: HintContext) -> list[Label]:
    pts = h.d("points")
    return [Label(f"本人在本区县拥有住房(住房产权登记)得 {num(pts)} 分; 配偶的住房不计",
                  f"owning a home in the district yourself (home ownership on record) gives "
                  f"{num(pts)}; a spouse's home does not count"), h.evidence()]


POINT_PARAMS = ("points", "points_each", "per_unit", "points_per_unit", "per_month",
                "per_year")


def _deducts(h: HintContext) -> bool:
    """Whether the item takes points off (its points parameters are negative)."""
    return any(isinstance(v, Decimal) and v < 0 for v in map(h.v, POINT_PARAMS))


HINTS: Mapping[str, Hint] = {
    "age_band": _age_band, "permit": _permit, "distinct_months": _distinct_months,
    "highest_tier": _tiers, "sum_tier": _sum_tier, "count": _count,
    "joined_spell": _joined_spell, "housing": _housing, "in_force_for": _on_record,
    "latest_count": _on_record, "rate_sum_in_window": _rate_sum_in_window,
    "listing": _listing, "conviction": _conviction, "evidence_only": _evidence_only,
    "event_within": _event_within, "state_in_force": _state_in_force,
    "full_years_service": _full_years_service, "festival_stay": _festival_stay,
    "own_home_in_district": _own_home_in_district,
}
"""Measure kind → what would raise an item of that kind."""


def hints_for(item: Item, points: Decimal, as_of: dt.date, has_records: bool) -> list[Label]:
    """What would raise an item below its maximum (empty at the maximum, for deductions,
    and for items without a cap)."""
    if item.max is None or item.max <= 0 or points >= item.max:
        return []
    h = HintContext(item, points, as_of, has_records)
    if points >= 0 and _deducts(h):  # a capped deduction not in force: nothing to raise
        return []
    hint = HINTS.get(item.measure.kind)
    return hint(h) if hint is not None else [h.evidence()]
