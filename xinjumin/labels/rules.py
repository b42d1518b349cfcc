"""Each item's rule in plain words, from its measure kind and the parameter values in force
at the scoring date (a city that changes a parameter changes the text); never a formula.

``RULE_TEXTS`` has one function per measure kind of ``points.rules.model.MEASURE_KINDS``
(the measure-kind guard test checks that none is missing).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from points import TYPES, Item, Kind
from xinjumin.labels.base import Label, a, join, lower_first, num, period, points_en
from xinjumin.labels.items import item_name
from xinjumin.labels.records import (
    code_label,
    field_label,
    find_code_label,
    hours_text,
    record_type,
)

ZERO = Decimal(0)


def join_or(labels: Sequence[Label]) -> Label:
    """甲、乙或丙 / a, b or c."""
    if len(labels) < 2:
        return join(list(labels))
    head = join(list(labels[:-1]))
    return Label(f"{head.zh}或{labels[-1].zh}", f"{head.en} or {labels[-1].en}")


def tier_label(type_: str, key_fields: Sequence[str], key: str) -> Label:
    """A tier key of highest_tier/sum_tier in words: diploma "bachelor" → 本科, skill
    "level:4" → 四级(中级工), "title:junior" → 初级职称, "special" → 专项职业能力证书.

    The key is ":".join of the values of the key fields a record has, in order; each part
    is matched to the next key field that accepts it, and the last part names the tier."""
    parts = key.split(":")
    spec = TYPES.get(type_)
    found: list[Label] = []
    fields = list(key_fields)
    for part in parts:
        while fields:
            name = fields.pop(0)
            fs = spec.by_name.get(name) if spec else None
            accepts = fs is None or (part in fs.codes if fs.codes else (
                part.isdigit() if fs.kind is Kind.INT else True))
            if accepts:
                found.append(find_code_label(type_, name, part) or Label(part, part))
                break
    return found[-1] if len(found) == len(parts) and found else Label(key, key)


class Rule:
    """One item's parameters at the scoring date, and the words its texts share."""

    def __init__(self, item: Item, as_of: dt.date) -> None:
        self.item, self.as_of = item, as_of

    def v(self, name: str) -> Any:
        return self.item.measure.value(name, self.as_of)

    def d(self, name: str) -> Decimal:
        return Decimal(self.v(name) or 0)

    @property
    def type_(self) -> str:
        return str(self.v("record_type") or "district_item")

    def what(self) -> Label:
        """What the records are: the record type with its filter (行政处罚(罚款)), or for
        district items the district item (见义勇为 / courageous act)."""
        if self.type_ == "district_item":
            key = str(self.v("item") or self.item.key)
            return find_code_label("district_item", "item", key) or Label(
                self.item.name_zh, lower_first(item_name(self.item, "en")))
        base = record_type(self.type_)
        flt: Mapping[str, Sequence[str]] = self.v("filter") or {}
        codes = [code_label(self.type_, f, c) for f, values in flt.items() for c in values]
        if not codes:
            return base
        inner = join(codes)
        return Label(f"{base.zh}({inner.zh})", f"{base.en} ({inner.en})")

    def window(self, name: str = "window") -> Label | None:
        months = self.v(name)
        return None if months is None else period(int(months))

    def cap(self, natural: Decimal | None = None) -> Label:
        """", 最高 10 分" when the item's cap bounds what the rule could give (``natural``:
        the most the rule itself gives, None when it has no bound)."""
        cap = self.item.max
        if cap is None or cap <= 0 or (natural is not None and natural <= cap):
            return Label("", "")
        return Label(f", 最高 {num(cap)} 分", f", at most {points_en(cap)}")


def gain(points: Decimal) -> Label:
    """得 5 分 / 5 points; 扣 5 分 / 5 points off."""
    if points < 0:
        return Label(f"扣 {num(-points)} 分", f"{points_en(-points)} off")
    return Label(f"得 {num(points)} 分", points_en(points))


# ---- one text per measure kind -----------------------------------------------------------

def _age_band(r: Rule) -> Label:
    lo, hi, pivot = int(r.v("min_age")), int(r.v("max_age")), int(r.v("pivot"))
    base, per, cap = r.d("base"), r.d("per_year"), r.d("cap")

    def at(age: int) -> Decimal:
        return min(cap, base + per * max(0, pivot - age))

    band = Label(f"{lo}–{hi} 周岁: ", f"ages {lo}–{hi}: ")
    other = Label("; 其他年龄 0 分", "; other ages: 0")
    if per == 0 or base >= cap or pivot <= lo:
        flat = at(lo)
        return Label(f"{band.zh}得 {num(flat)} 分{other.zh}",
                     f"{band.en}{points_en(flat)}{other.en}")
    top = math.floor(pivot - (cap - base) / per)  # the oldest age with the full cap
    if top >= lo:
        first = Label(f"{top} 周岁及以下得 {num(cap)} 分", f"{points_en(cap)} at {top} or younger")
    else:
        first = Label(f"{lo} 周岁得 {num(at(lo))} 分", f"{points_en(at(lo))} at {lo}")
    step = Label(f", 每大一岁少 {num(per)} 分", f", {points_en(per)} less for each year older")
    if pivot < hi:
        last = Label(f", {pivot}–{hi} 周岁得 {num(base)} 分",
                     f", {points_en(base)} at {pivot}–{hi}")
    else:
        last = Label(f", {hi} 周岁得 {num(at(hi))} 分", f", {points_en(at(hi))} at {hi}")
    return Label(band.zh + first.zh + step.zh + last.zh + other.zh,
                 band.en + first.en + step.en + last.en + other.en)


def _permit(r: Rule) -> Label:
    valid, per, months_cap = r.d("valid_points"), r.d("per_month"), r.d("months_cap")
    none = Label("; 没有有效居住证 0 分", "; no valid permit: 0")
    if valid > 0:
        text = Label(
            f"持有本市有效(未中止)居住证得 {num(valid)} 分, 自居住年限起算日起每满 1 个月再加 "
            f"{num(per)} 分(按月计的部分最高 {num(months_cap)} 分)",
            f"{points_en(valid)} for a valid (not suspended) residence permit of the city, "
            f"plus {num(per)} for each full month since its counting start (the months part "
            f"at most {num(months_cap)})")
    else:
        text = Label(
            f"持有本市有效(未中止)居住证, 自居住年限起算日起每满 1 个月得 {num(per)} 分, "
            f"最高 {num(months_cap)} 分",
            f"with a valid (not suspended) residence permit of the city, {points_en(per)} for "
            f"each full month since its counting start, at most {points_en(months_cap)}")
    cap = r.cap(valid + months_cap)
    return Label(text.zh + cap.zh + none.zh, text.en + cap.en + none.en)


def _distinct_months(r: Rule) -> Label:
    what, per, cap = r.what(), r.d("per_month"), r.cap()
    return Label(f"有{what.zh}记录的每个不同月份得 {num(per)} 分(同一个月只算一次), "
                 f"计至评分日所在月{cap.zh}",
                 f"{points_en(per)} for each different month with {what.en} on record (a "
                 f"month counts once), up to the month of the scoring date{cap.en}")


def _tier_groups(r: Rule) -> tuple[Label, Decimal]:
    """The tiers by points, highest first ("博士研究生、本科 10 分; 大专(高职) 8 分"), and the
    highest tier."""
    tiers: Mapping[str, Decimal] = r.v("tiers") or {}
    keys = tuple(r.v("key_fields") or ())
    by_points: dict[Decimal, list[Label]] = {}
    for key, pts in tiers.items():
        if Decimal(pts) != 0:
            by_points.setdefault(Decimal(pts), []).append(tier_label(r.type_, keys, key))
    groups = [(pts, join(names)) for pts, names in sorted(by_points.items(), reverse=True)]
    text = Label("; ".join(f"{g.zh} {num(p)} 分" for p, g in groups),
                 "; ".join(f"{g.en} {points_en(p)}" for p, g in groups))
    return text, max((Decimal(p) for p in tiers.values()), default=ZERO)


def _highest_tier(r: Rule) -> Label:
    what, window = r.what(), r.window()
    groups, best = _tier_groups(r)
    cap = r.cap(best)
    if window:
        head = Label(f"评分日前 {window.zh}内的{what.zh}取最高一项",
                     f"the highest {what.en} of the {window.en} before the scoring date counts")
    else:
        head = Label(f"{what.zh}取最高一项", f"the highest {what.en} counts")
    return Label(f"{head.zh}: {groups.zh}; 其他 0 分{cap.zh}",
                 f"{head.en}: {groups.en}; anything else 0{cap.en}")


def _sum_tier(r: Rule) -> Label:
    what, window = r.what(), r.window()
    groups, _ = _tier_groups(r)
    cap = r.cap()
    within = Label(f"评分日前 {window.zh}内", f" of the {window.en} before the scoring date") if (
        window) else Label("", "")
    return Label(f"{within.zh}每项{what.zh}分别计分后累加: {groups.zh}{cap.zh}",
                 f"each {what.en}{within.en} counts and the points add up: {groups.en}{cap.en}")


def _count(r: Rule) -> Label:
    what, window, each = r.what(), r.window(), r.d("points_each")
    g = gain(each)
    cap = r.cap() if each > 0 else Label("", "")
    within = (Label(f"评分日前 {window.zh}内", f" in the {window.en} before the scoring date")
              if window else Label("", ""))
    return Label(f"{within.zh}每条{what.zh}记录{g.zh}{cap.zh}",
                 f"{g.en} for each {what.en} record{within.en}{cap.en}")


def _joined_spell(r: Rule) -> Label:
    kinds = join_or([record_type(t) for t in (r.v("record_types") or ())])
    months, gap, pts = int(r.v("min_full_months")), int(r.v("gap_days")), r.d("points")
    return Label(f"在本市{kinds.zh}至评分日仍在持续且已连续满 {months} 个月得 {num(pts)} 分; "
                 f"两段之间间隔不超过 {gap} 天的视为连续{r.cap(pts).zh}",
                 f"{points_en(pts)} if your {kinds.en} in the city is ongoing at the scoring "
                 f"date and has lasted {months} full months; spells with gaps of up to {gap} "
                 f"days count as one{r.cap(pts).en}")


def _housing(r: Rule) -> Label:
    owner = record_type(str(r.v("owner_type")))
    tenants = join_or([record_type(t) for t in (r.v("tenant_types") or ())])
    own, rent = r.d("owner_points"), r.d("tenant_points")
    cap = r.cap(max(own, rent))
    return Label(f"本人或配偶有有效的本市{owner.zh}记录得 {num(own)} 分; 否则本人有有效的"
                 f"{tenants.zh}记录得 {num(rent)} 分; 其他 0 分{cap.zh}",
                 f"{points_en(own)} if you or your spouse own a home in the city ({owner.en} "
                 f"in force); otherwise {points_en(rent)} with {a(tenants.en)} in force; "
                 f"otherwise 0{cap.en}")


def _in_force_for(r: Rule) -> Label:
    what, months, pts = r.what(), int(r.v("min_full_months")), r.d("points")
    cap = r.cap(pts)
    return Label(f"{what.zh}记录在评分日有效且已满 {months} 个月得 {num(pts)} 分{cap.zh}",
                 f"{points_en(pts)} if {a(what.en)} record is in force at the scoring date and "
                 f"has lasted {months} full months{cap.en}")


def _latest_count(r: Rule) -> Label:
    unit, cap = r.d("per_unit"), r.cap()
    if r.type_ == "insured_employees":
        return Label(f"本人投资或担任法定代表人的企业每有 1 名参保职工得 {num(unit)} 分(每家企业按"
                     f"评分日或之前最近一次的统计){cap.zh}",
                     f"{points_en(unit)} for each employee insured by the businesses you own or "
                     f"legally represent (each business's latest count on or before the "
                     f"scoring date){cap.en}")
    what = r.what()
    group = field_label(r.type_, str(r.v("group_field")))
    count = field_label(r.type_, str(r.v("count_field")))
    return Label(f"按每个{group.zh}评分日或之前最近一条{what.zh}记录, {count.zh}每 1 得 "
                 f"{num(unit)} 分{cap.zh}",
                 f"{points_en(unit)} for each 1 of {count.en} in the latest {what.en} record "
                 f"on or before the scoring date of each {group.en}{cap.en}")


def _rate_sum_in_window(r: Rule) -> Label:
    what, window = r.what(), r.window() or Label("", "")
    per, unit, cap = r.d("points_per_unit"), r.d("unit"), r.cap()
    amount_field = str(r.v("amount_field"))
    spec = TYPES.get(r.type_)
    fs = spec.by_name.get(amount_field) if spec else None
    where = Label("在本区县", " in the district") if r.type_ == "district_item" else Label("", "")
    if fs is not None and fs.kind is Kind.HOURS:
        return Label(f"评分日前 {window.zh}内{where.zh}{what.zh}每满 {hours_text(unit, 'zh')}得 "
                     f"{num(per)} 分{cap.zh}",
                     f"{points_en(per)} for each full {hours_text(unit, 'en')} of {what.en}"
                     f"{where.en} in the {window.en} before the scoring date{cap.en}")
    amount = field_label(r.type_, amount_field)
    return Label(f"评分日前 {window.zh}内{where.zh}{what.zh}的{amount.zh}每满 {num(unit)} 得 "
                 f"{num(per)} 分{cap.zh}",
                 f"{points_en(per)} for each full {num(unit)} of {amount.en} of {what.en}"
                 f"{where.en} in the {window.en} before the scoring date{cap.en}")


def _listing(r: Rule) -> Label:
    what, lapse, g = r.what(), r.window("lapse") or Label("", ""), gain(r.d("points"))
    return Label(f"评分日在{what.zh}上(未移出且列入未满 {lapse.zh}){g.zh}, 只计一次",
                 f"{g.en}, once, while {a(what.en)} is in force at the scoring date (not "
                 f"lifted, and listed less than {lapse.en} before)")


def _conviction(r: Rule) -> Label:
    what, lapse, g = r.what(), r.window("lapse") or Label("", ""), gain(r.d("points_each"))
    return Label(f"每项{what.zh}(刑期未满或刑满未满 {lapse.zh}){g.zh}",
                 f"{g.en} for each {what.en} whose sentence is running or ended less than "
                 f"{lapse.en} before the scoring date")


def _evidence_only(r: Rule) -> Label:
    cap = r.cap()
    return Label(f"没有部门数据: 凭审核通过的证明材料计分{cap.zh}",
                 f"no department sends these data: points come from evidence once it is "
                 f"reviewed{cap.en}")


def _event_within(r: Rule) -> Label:
    what, window, pts = r.what(), r.window() or Label("", ""), r.d("points")
    cap = r.cap(pts)
    return Label(f"评分日前 {window.zh}内在本区县有{what.zh}记录得 {num(pts)} 分(只计一次){cap.zh}",
                 f"{points_en(pts)}, once, if the district recorded {a(what.en)} for you in the "
                 f"{window.en} before the scoring date{cap.en}")


def _state_in_force(r: Rule) -> Label:
    what, pts = r.what(), r.d("points")
    cap = r.cap(pts)
    return Label(f"在本区县有有效的{what.zh}登记得 {num(pts)} 分{cap.zh}",
                 f"{points_en(pts)} while your district record ({what.en}) is in force{cap.en}")


def _full_years_service(r: Rule) -> Label:
    what, per, cap = r.what(), r.d("per_year"), r.cap()
    return Label(f"在本区县{what.zh}服务每满 1 年得 {num(per)} 分(每段服务分别计算, 计至结束次日"
                 f"与评分日中较早者){cap.zh}",
                 f"{points_en(per)} for each full year of service in the district ({what.en}), "
                 f"each period counted on its own up to the day after it ended or the scoring "
                 f"date{cap.en}")


def _festival_stay(r: Rule) -> Label:
    what, pts = r.what(), r.d("points")
    cap = r.cap(pts)
    past = [d for d in (r.v("festival_dates") or ()) if d <= r.as_of]
    if past:
        last = past[-1].isoformat()
        when = Label(f"最近一个春节({last})所在年份",
                     f"in the year of the last Spring Festival on or before the scoring date "
                     f"({last})")
    else:
        when = Label("春节所在年份", "in the year of a Spring Festival")
    return Label(f"{when.zh}在本区县有{what.zh}记录得 {num(pts)} 分{cap.zh}",
                 f"{points_en(pts)} if the district recorded your {what.en} {when.en}{cap.en}")


def _own_home_in_district(r: Rule) -> Label:
    what, pts = record_type(r.type_), r.d("points")
    cap = r.cap(pts)
    return Label(f"本人在本区县有有效的{what.zh}记录得 {num(pts)} 分(配偶的住房不计){cap.zh}",
                 f"{points_en(pts)} if you own a home in the district ({what.en} in force at "
                 f"the scoring date); a spouse's home does not count{cap.en}")


RuleText = Callable[[Rule], Label]

RULE_TEXTS: Mapping[str, RuleText] = {
    "age_band": _age_band, "permit": _permit, "distinct_months": _distinct_months,
    "highest_tier": _highest_tier, "sum_tier": _sum_tier, "count": _count,
    "joined_spell": _joined_spell, "housing": _housing, "in_force_for": _in_force_for,
    "latest_count": _latest_count, "rate_sum_in_window": _rate_sum_in_window,
    "listing": _listing, "conviction": _conviction, "evidence_only": _evidence_only,
    "event_within": _event_within, "state_in_force": _state_in_force,
    "full_years_service": _full_years_service, "festival_stay": _festival_stay,
    "own_home_in_district": _own_home_in_district,
}
"""Measure kind → its rule in words (zh and en)."""


def _freeze(r: Rule) -> Label:
    freeze = r.item.freeze
    if freeze is None:
        return Label("", "")
    if freeze.duration_months:
        span = period(freeze.duration_months)
        date = field_label(r.type_, str(r.v("date_field") or "")) if r.v("date_field") else (
            Label("日期", "date"))
        return Label(f"; 自每条记录的{date.zh}起冻结积分使用 {span.zh}",
                     f"; points are frozen (cannot be used) for {span.en} from each record's "
                     f"date")
    kind = r.item.measure.kind
    if kind == "listing":
        return Label("; 在名单期间冻结积分使用", "; points are frozen while listed")
    if kind == "conviction":
        return Label("; 服刑期间冻结积分使用", "; points are frozen while the sentence runs")
    return Label("; 记录有效期间冻结积分使用", "; points are frozen while the record is in force")


def rule_label(item: Item, as_of: dt.date) -> Label:
    """The rule of ``item`` at ``as_of`` in both languages (the rule file's own description
    for a kind without a text: the guard test keeps that from happening)."""
    text = RULE_TEXTS.get(item.measure.kind)
    if text is None:
        return Label(item.description_zh, item.description_zh)
    r = Rule(item, as_of)
    body, freeze = text(r), _freeze(r)
    return Label(body.zh + freeze.zh, body.en + freeze.en)


def rule_text(item: Item, as_of: dt.date, lang: str) -> str:
    """E.g. "18–60 周岁: 45 周岁及以下得 15 分, 每大一岁少 1 分, 55–60 周岁得 5 分; 其他年龄
    0 分" / "ages 18–60: 15 points at 45 or younger, …"."""
    return rule_label(item, as_of).in_(lang)
