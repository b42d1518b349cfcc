"""One line per record with the values that matter to the resident: which diploma, how many
hours, which fine and when, which permit and until when."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from xinjumin.labels.base import Label
from xinjumin.labels.records import record_date_field, record_type, value_text


class _Values:
    """A record's values in words, in both languages."""

    def __init__(self, type_: str, fields: Mapping[str, object]) -> None:
        self.type_, self.fields = type_, fields

    def has(self, name: str) -> bool:
        return self.fields.get(name) not in (None, "")

    def zh(self, name: str) -> str:
        return value_text(self.type_, name, self.fields.get(name), "zh-hans")

    def en(self, name: str) -> str:
        return value_text(self.type_, name, self.fields.get(name), "en")

    def span(self, start: str, end: str) -> Label:
        """2024-01-01 至 2025-06-30 / 2024-01-01 起至今."""
        if self.has(end):
            return Label(f"{self.zh(start)} 至 {self.zh(end)}",
                         f"{self.en(start)} to {self.en(end)}")
        return Label(f"{self.zh(start)} 起至今", f"since {self.en(start)}")

    def opt(self, name: str, zh: str, en: str) -> Label:
        """A part shown only when the field has a value ({} is the value)."""
        if not self.has(name):
            return Label("", "")
        return Label(zh.format(self.zh(name)), en.format(self.en(name)))


Summary = Callable[[_Values], Label]


def _registration(v: _Values) -> Label:
    street = v.opt("street", " {}", ", {}")
    ended = v.opt("ended_on", ", {} 注销", ", ended on {}")
    return Label(f"{v.zh('district')}{street.zh} 居住登记, {v.zh('registered_on')} 登记{ended.zh}",
                 f"registered as living in {v.en('district')}{street.en} on "
                 f"{v.en('registered_on')}{ended.en}")


def _permit(v: _Values) -> Label:
    parts = [v.opt("last_endorsed_on", "最近签注 {}", "last endorsed on {}"),
             v.opt("suspended_on", "{} 起中止", "suspended from {}"),
             v.opt("ended_on", "{} 失效", "ended on {}")]
    tail = [p for p in parts if p.zh]
    return Label(
        f"居住证 {v.zh('permit_no')}, {v.zh('district')} {v.zh('issued_on')} 签发, 居住年限自 "
        f"{v.zh('count_start')} 起算" + "".join(f", {p.zh}" for p in tail),
        f"residence permit {v.en('permit_no')} issued in {v.en('district')} on "
        f"{v.en('issued_on')}, residence counted from {v.en('count_start')}"
        + "".join(f", {p.en}" for p in tail))


def _guardianship(v: _Values) -> Label:
    return Label(f"监护子女 {v.zh('child_id_number')}, 自 {v.zh('since')} 起",
                 f"guardian of child {v.en('child_id_number')} since {v.en('since')}")


def _marriage(v: _Values) -> Label:
    ended = v.opt("ended_on", ", {} 终止", ", ended on {}")
    return Label(f"与 {v.zh('spouse_id_number')} 结婚登记于 {v.zh('since')}{ended.zh}",
                 f"married to {v.en('spouse_id_number')} on {v.en('since')}{ended.en}")


def _month_index(month: object) -> int:
    year, _, mon = str(month).partition("-")
    return int(year) * 12 + int(mon) - 1


def _insurance(v: _Values) -> Label:
    try:
        n = _month_index(v.fields.get("last_month")) - _month_index(
            v.fields.get("first_month")) + 1
    except ValueError:
        n = 0
    months = Label(f"{n} 个月", f"{n} month" + ("" if n == 1 else "s"))
    return Label(f"{v.zh('first_month')} 至 {v.zh('last_month')} 在{v.zh('district')}缴纳社保 "
                 f"{months.zh} (单位 {v.zh('employer_uscc')})",
                 f"{months.en} of contributions in {v.en('district')}, {v.en('first_month')} "
                 f"to {v.en('last_month')} (employer {v.en('employer_uscc')})")


def _employment(v: _Values) -> Label:
    span = v.span("start", "end")
    return Label(f"{v.zh('kind')}, {v.zh('district')}, {span.zh}",
                 f"{v.en('kind')} in {v.en('district')}, {span.en}")


def _skill(v: _Values) -> Label:
    what = Label(f"{v.zh('kind')} {v.zh('level')}", f"{v.en('kind')} {v.en('level')}") if (
        v.has("level")) else (Label(v.zh("title"), v.en("title")) if v.has("title")
                              else Label(v.zh("kind"), v.en("kind")))
    return Label(f"{what.zh}, {v.zh('issued_on')} 取得",
                 f"{what.en}, obtained on {v.en('issued_on')}")


def _shortage(v: _Values) -> Label:
    span = v.span("start", "end")
    return Label(f"紧缺岗位 (职业代码 {v.zh('occupation_code')}), {span.zh}",
                 f"shortage post (occupation {v.en('occupation_code')}), {span.en}")


def _diploma(v: _Values) -> Label:
    return Label(f"{v.zh('level')}学历, {v.zh('issued_on')} 毕业",
                 f"diploma: {v.en('level')}, awarded on {v.en('issued_on')}")


def _lease(v: _Values) -> Label:
    unit = v.opt("unit", " {} 室", ", unit {}")
    span = v.span("start", "end")
    return Label(f"租住{v.zh('district')}小区 {v.zh('complex_id')}{unit.zh}, 月租 "
                 f"{v.zh('monthly_rent')}, {span.zh}",
                 f"lease in {v.en('district')}, complex {v.en('complex_id')}{unit.en}, rent "
                 f"{v.en('monthly_rent')} a month, {span.en}")


def _home(v: _Values) -> Label:
    complex_ = v.opt("complex_id", " (小区 {})", " (complex {})")
    span = v.span("start", "end")
    return Label(f"{v.zh('district')}住房产权{complex_.zh}, {span.zh}",
                 f"home owned in {v.en('district')}{complex_.en}, {span.en}")


def _public_rental(v: _Values) -> Label:
    span = v.span("start", "end")
    return Label(f"{v.zh('district')}公共租赁住房, {span.zh}",
                 f"public rental housing in {v.en('district')}, {span.en}")


def _dormitory(v: _Values) -> Label:
    span = v.span("start", "end")
    return Label(f"{v.zh('district')}单位宿舍 (单位 {v.zh('employer_uscc')}), {span.zh}",
                 f"employer dormitory in {v.en('district')} (employer "
                 f"{v.en('employer_uscc')}), {span.en}")


def _complex_rent(v: _Values) -> Label:
    return Label(f"小区 {v.zh('complex_id')} ({v.zh('district')}) {v.zh('year')}市场平均月租金 "
                 f"{v.zh('average_rent')}",
                 f"complex {v.en('complex_id')} ({v.en('district')}): average market rent "
                 f"{v.en('average_rent')} a month in {v.en('year')}")


def _insured(v: _Values) -> Label:
    return Label(f"企业 {v.zh('business_uscc')} 截至 {v.zh('as_of')} 参保职工 "
                 f"{v.zh('insured_count')}",
                 f"business {v.en('business_uscc')}: {v.en('insured_count')} insured on "
                 f"{v.en('as_of')}")


def _patent(v: _Values) -> Label:
    return Label(f"{v.zh('kind')}, {v.zh('granted_on')} 授权",
                 f"{v.en('kind')} granted on {v.en('granted_on')}")


def _award(v: _Values) -> Label:
    return Label(f"{v.zh('level')}表彰奖励, {v.zh('awarded_on')} 获得",
                 f"{v.en('level')} award on {v.en('awarded_on')}")


def _volunteer(v: _Values) -> Label:
    return Label(f"{v.zh('served_on')} 志愿服务 {v.zh('hours')}",
                 f"{v.en('hours')} of volunteer service on {v.en('served_on')}")


def _blood(v: _Values) -> Label:
    return Label(f"{v.zh('donated_on')} 无偿献血 ({v.zh('kind')})",
                 f"blood donation ({v.en('kind')}) on {v.en('donated_on')}")


def _donor(v: _Values) -> Label:
    return Label(f"{v.zh('kind')}, {v.zh('on')}", f"{v.en('kind')} on {v.en('on')}")


def _penalty(v: _Values) -> Label:
    return Label(f"行政处罚: {v.zh('kind')}, {v.zh('decided_on')} 决定",
                 f"administrative penalty: {v.en('kind')}, decided on {v.en('decided_on')}")


def _false_material(v: _Values) -> Label:
    return Label(f"{v.zh('found_on')} 查实提供虚假材料",
                 f"false material found on {v.en('found_on')}")


def _listing(v: _Values) -> Label:
    lifted = v.opt("lifted_on", ", {} 移出", ", lifted on {}")
    return Label(f"{v.zh('listed_on')} 列入严重失信名单{lifted.zh}",
                 f"listed as seriously dishonest on {v.en('listed_on')}{lifted.en}")


def _conviction(v: _Values) -> Label:
    return Label(f"{v.zh('convicted_on')} 判决, 刑期 {v.zh('sentence_start')} 至 "
                 f"{v.zh('sentence_end')}",
                 f"convicted on {v.en('convicted_on')}, sentence {v.en('sentence_start')} to "
                 f"{v.en('sentence_end')}")


def _district_item(v: _Values) -> Label:
    when = v.span("on", "end") if v.has("end") else Label(v.zh("on"), f"on {v.en('on')}")
    hours = v.opt("hours", ", {}", ", {}")
    return Label(f"{v.zh('district')} {v.zh('item')}, {when.zh}{hours.zh}",
                 f"{v.en('item')} in {v.en('district')}, {when.en}{hours.en}")


def _union(v: _Values) -> Label:
    span = v.span("start", "end")
    return Label(f"{v.zh('district')}工会会员, {span.zh}",
                 f"trade union member in {v.en('district')}, {span.en}")


def _override(v: _Values) -> Label:
    until = v.opt("until", " 至 {} ", " until {}")
    return Label(f"{v.zh('target_source')} 记录 {v.zh('target_record_id')} 自 {v.zh('from')}"
                 f"{until.zh or ' 起'}不予采用 (案件 {v.zh('case_no')})",
                 f"record {v.en('target_record_id')} of {v.en('target_source')} disregarded "
                 f"from {v.en('from')}{until.en} (case {v.en('case_no')})")


SUMMARIES: Mapping[str, Summary] = {
    "residence_registration": _registration, "residence_permit": _permit,
    "guardianship": _guardianship, "marriage": _marriage,
    "social_insurance_period": _insurance, "employment": _employment,
    "skill_certificate": _skill, "shortage_post": _shortage, "diploma": _diploma,
    "lease": _lease, "home_ownership": _home, "public_rental": _public_rental,
    "dormitory": _dormitory, "complex_rent": _complex_rent, "insured_employees": _insured,
    "patent": _patent, "award": _award, "volunteer_service": _volunteer,
    "blood_donation": _blood, "donor": _donor, "admin_penalty": _penalty,
    "false_material": _false_material, "dishonesty_listing": _listing,
    "criminal_conviction": _conviction, "district_item": _district_item,
    "union_membership": _union, "record_override": _override,
}
"""Every record type of feeds.md → its one-line summary (checked complete by a test)."""


def record_summary(type_: str, fields: Mapping[str, object], lang: str) -> str:
    """One short line with the record's own values, e.g. 大专(高职)学历, 2008-07-01 毕业."""
    v = _Values(type_, fields)
    summary = SUMMARIES.get(type_)
    if summary is None:
        date = record_date_field(type_)
        label = record_type(type_)
        return f"{label.in_(lang)} {v.en(date) if date else ''}".strip()
    return summary(v).in_(lang)
