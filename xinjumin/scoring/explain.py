"""Words for residents: departments, record types, and what would raise an item (§7.9).

Hints are data-driven from the item's measure kind and parameters in force at D (so a
city that changes the rules changes the hints), bilingual, Chinese first.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from points.rules.model import Item

DEPARTMENTS = {
    "PSB": ("公安局", "Public Security Bureau"),
    "HRSS": ("人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    "EDU": ("教育局", "Education Bureau"),
    "HOUSING": ("住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    "SAMR": ("市场监督管理局", "Market Regulation Administration"),
    "IP": ("知识产权局", "Intellectual Property Office"),
    "AWARD": ("表彰奖励主管部门", "Awarding authority"),
    "VOLUNTEER": ("志愿服务管理部门", "Volunteer service registry"),
    "BLOOD": ("中心血站", "Blood Centre"),
    "REDCROSS": ("红十字会", "Red Cross Society"),
    "CREDIT": ("信用中心", "Credit Centre"),
    "COURT": ("人民法院", "People's Court"),
    "DISTRICT": ("区县人民政府", "District government"),
}

#: type → (Chinese name, English name, the date field shown)
RECORD_TYPES: dict[str, tuple[str, str, str]] = {
    "residence_registration": ("居住登记", "residence registration", "registered_on"),
    "residence_permit": ("居住证", "residence permit", "issued_on"),
    "guardianship": ("监护关系", "guardianship", "since"),
    "marriage": ("婚姻登记", "marriage", "since"),
    "social_insurance_period": ("社保缴纳", "social insurance contributions", "first_month"),
    "employment": ("就业", "employment", "start"),
    "skill_certificate": ("技能证书/职称", "skill certificate or title", "issued_on"),
    "shortage_post": ("紧缺岗位", "shortage post", "start"),
    "diploma": ("学历", "diploma", "issued_on"),
    "lease": ("租赁登记", "registered lease", "start"),
    "home_ownership": ("住房产权", "home ownership", "start"),
    "public_rental": ("公共租赁住房", "public rental housing", "start"),
    "dormitory": ("单位宿舍", "employer dormitory", "start"),
    "complex_rent": ("小区市场平均租金", "complex average rent", "year"),
    "insured_employees": ("企业参保人数", "insured employees", "as_of"),
    "patent": ("专利", "patent", "granted_on"),
    "award": ("表彰奖励", "award", "awarded_on"),
    "volunteer_service": ("志愿服务", "volunteer service", "served_on"),
    "blood_donation": ("无偿献血", "blood donation", "donated_on"),
    "donor": ("捐献登记", "donor registration", "on"),
    "admin_penalty": ("行政处罚", "administrative penalty", "decided_on"),
    "false_material": ("虚假材料", "false material", "found_on"),
    "dishonesty_listing": ("严重失信名单", "serious-dishonesty listing", "listed_on"),
    "criminal_conviction": ("刑事判决", "criminal conviction", "convicted_on"),
    "district_item": ("区县个性指标", "district item", "on"),
}
END_FIELDS = ("end", "ended_on", "last_month", "lifted_on", "sentence_end")


def department(source: str) -> dict[str, str]:
    zh, en = DEPARTMENTS.get(source, (source, source))
    return {"code": source, "name_zh": zh, "name_en": en}


def record_type(type_: str) -> tuple[str, str, str]:
    return RECORD_TYPES.get(type_, (type_, type_, ""))


def _fmt(value: Decimal | int) -> str:
    d = Decimal(value)
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def _hint(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _months_needed(missing: Decimal, per_month: Decimal) -> int:
    return math.ceil(missing / per_month) if per_month > 0 else 0


def hints_for(item: Item, points: Decimal, as_of: dt.date, has_records: bool
              ) -> list[dict[str, str]]:
    """What would raise an item below its maximum (empty at the maximum, for deductions,
    and for items without a cap)."""
    if item.max is None or item.max <= 0 or points >= item.max:
        return []
    m = item.measure

    def v(name: str) -> Any:
        return m.value(name, as_of)

    missing = item.max - points
    kind = m.kind
    type_zh, type_en, _ = record_type(str(v("record_type") or "district_item"))
    evidence = _hint(f"如有未被记录的{item.name_zh}情况, 可提交证明材料, "
                     "由主管部门在 10 个工作日内审核",
                     "if something is missing from the records, submit evidence: the "
                     "department reviews it within 10 working days")
    if kind == "age_band":
        return [_hint("年龄分按身份证号码计算, 不能通过提交材料提高",
                      "age points follow from the ID number; evidence cannot raise them")]
    if kind == "permit":
        if not has_records or points == 0:
            return [_hint("未查询到有效居住证: 可申领居住证或按时签注",
                          "no valid residence permit on record: apply for one or endorse "
                          "it on time"), evidence]
        n = _months_needed(missing, Decimal(v("per_month")))
        return [_hint(f"持证居住每满 1 个月加 {_fmt(v('per_month'))} 分, 再居住 {n} 个月可得满分",
                      f"each full month of residence adds {_fmt(v('per_month'))}; {n} more "
                      "months give full points")]
    if kind == "distinct_months":
        n = _months_needed(missing, Decimal(v("per_month")))
        if not has_records:
            return [_hint(f"未查询到{type_zh}记录: 可提交缴费证明材料",
                          f"no {type_en} on record: submit evidence"),
                    _hint(f"再缴纳 {n} 个月社保可得满分",
                          f"{n} more months of contributions give full points")]
        return [_hint(f"再缴纳 {n} 个月社保可得满分",
                      f"{n} more months of contributions give full points"), evidence]
    if kind in ("highest_tier", "sum_tier"):
        tiers = v("tiers") or {}
        best = max((Decimal(t) for t in tiers.values()), default=Decimal(0))
        if not has_records:
            return [_hint(f"未查询到{type_zh}记录: 可提交{type_zh}证明材料",
                          f"no {type_en} on record: submit evidence")]
        return [_hint(f"已按记录计分; 取得更高等级(最高 {_fmt(best)} 分)可提交{type_zh}证明材料",
                      f"scored from the records; a higher level (up to {_fmt(best)}) "
                      f"counts: submit evidence of it")]
    if kind == "joined_spell":
        months = v("min_full_months")
        zh = "在本市持续就业" if not has_records else "当前就业期持续"
        return [_hint(f"{zh}满 {months} 个月可得 {_fmt(v('points'))} 分 (间隔不超过 "
                      f"{v('gap_days')} 天的就业期连续计算)",
                      f"an employment spell in the city ongoing for {months} full months "
                      f"gives {_fmt(v('points'))} (gaps of up to {v('gap_days')} days join)"),
                evidence]
    if kind == "housing":
        return [_hint(f"本人或配偶在本市拥有住房得 {_fmt(v('owner_points'))} 分; 登记租赁住房、"
                      f"公共租赁住房或单位宿舍得 {_fmt(v('tenant_points'))} 分",
                      f"owning a home (you or your spouse) gives {_fmt(v('owner_points'))}; "
                      f"a registered lease, public rental or dormitory gives "
                      f"{_fmt(v('tenant_points'))}"), evidence]
    if kind == "rate_sum_in_window":
        return [_hint(f"每满 {_fmt(v('unit'))} 小时{type_zh}加 {_fmt(v('points_per_unit'))} 分",
                      f"each full {_fmt(v('unit'))} hours of {type_en} add "
                      f"{_fmt(v('points_per_unit'))}"), evidence]
    if kind in ("count", "latest_count", "in_force_for"):
        if not has_records:
            return [_hint(f"未查询到{type_zh}记录: 可提交证明材料",
                          f"no {type_en} on record: submit evidence")]
        return [evidence]
    return [evidence]
