"""Schemas of the explained score (GET /me/score, GET /residents/{id}/score) and of a
resident's department records (GET /residents/{id}/records). Points are exact decimal
texts with two places ("82.25", deductions "-5.00"), never floats."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from xinjumin.api.schemas import d

POINTS = "精确到 0.01 的分值文本, 如 \"82.25\"; 扣分为负 / exact points text, e.g. \"82.25\""


class ScoreQuery(Schema):
    district: str | None = Field(
        None, pattern=r"^\d{6}$",
        description=d("按哪个区县计算积分 (十个区县代码之一); 省略则为居住区县",
                      "district to score for (one of the ten codes); default: home district"))
    as_of: dt.date | None = Field(
        None, description=d("评分日 (YYYY-MM-DD); 省略则为今天",
                            "the date the score is computed as of; default today"))


class DepartmentOut(Schema):
    code: str = Field(description=d("部门代码 (feeds.md)", "source department code"))
    name_zh: str = Field(description=d("部门名称 (中文)", "department name in Chinese"))
    name_en: str = Field(description=d("部门名称 (英文)", "department name in English"))


class HintOut(Schema):
    zh: str = Field(description=d("如何提高此项 (中文)", "what would raise the item, Chinese"))
    en: str = Field(description=d("如何提高此项 (英文)", "what would raise the item, English"))


class ScoreRecordOut(Schema):
    ref: str = Field(description=d("记录标识 \"部门:记录编号\"",
                                   "record reference SOURCE:record_id"))
    type: str = Field(description=d("记录类型代码", "record type code (feeds.md)"))
    type_name_zh: str = Field(description=d("记录类型 (中文)", "record type in Chinese"))
    type_name_en: str = Field(description=d("记录类型 (英文)", "record type in English"))
    department: DepartmentOut = Field(description=d("报送部门", "sending department"))
    date: str | None = Field(description=d("记录日期 (或月份、年份)",
                                           "the record's date (or month, year)"))
    end: str | None = Field(description=d("结束日期, 无则为空", "end date, if any"))
    concerns: Literal["self", "spouse", "other"] = Field(description=d(
        "记录涉及谁: self 本人, spouse 配偶, other 其他人 (监护人等)",
        "whom the record is about: self, spouse, other (e.g. a guardian)"))
    person: str | None = Field(description=d("涉及他人时的身份证号 (脱敏)",
                                             "the other person's ID number, masked"))
    summary_zh: str = Field(description=d("记录内容摘要 (中文), 如学历层次、时长、处罚种类",
                                          "the record's own values in one line, Chinese"))
    summary_en: str = Field(description=d("记录内容摘要 (英文)",
                                          "the record's own values in one line, English"))
    case_no: str = Field("", description=d("经审核采纳的材料所在案件编号 (否则为空)",
                                           "the reviewed case the record was accepted in, if "
                                           "any"))
    fields: dict[str, Any] = Field(description=d(
        "记录内容; 涉及他人时隐去住址、单位等, 身份证号脱敏",
        "record content; for other people's records addresses and employers are left out "
        "and ID numbers masked"))


class ScoreItemOut(Schema):
    key: str = Field(description=d("指标代码", "item key"))
    category: str = Field(description=d("所属类别代码", "category key"))
    name_zh: str = Field(description=d("指标名称 (中文)", "item name in Chinese"))
    name_en: str = Field(description=d("指标名称 (英文)", "item name in English"))
    points: str = Field(description=d("得分", "points") + "; " + POINTS)
    max: str | None = Field(description=d("本项最高分, 扣分项为空",
                                          "the item's maximum; empty for deductions"))
    rule_zh: str = Field(description=d("计分规则 (通俗说明, 中文)", "the rule in plain words, "
                                       "Chinese"))
    rule_en: str = Field(description=d("计分规则 (通俗说明, 英文)", "the rule in plain words, "
                                       "English"))
    reference: str = Field(description=d("政策依据", "policy or legal reference"))
    detail: str = Field(description=d("本次计算的说明, 如 \"38 个月 × 0.5\"",
                                      "how this score was reached"))
    records: list[ScoreRecordOut] = Field(description=d("计分所依据的记录",
                                                        "the records the points came from"))
    below_max: bool = Field(description=d("是否低于最高分", "below the item's maximum"))
    hints: list[HintOut] = Field(description=d("低于最高分时, 怎样可以提高",
                                               "for items below the maximum: what would "
                                               "raise them"))


class ScoreCategoryOut(Schema):
    key: str = Field(description=d("类别代码 (base 基础, bonus 加分, deduction 扣分)",
                                   "category key (base, bonus, deduction)"))
    name_zh: str = Field(description=d("类别名称 (中文)", "category name in Chinese"))
    name_en: str = Field(description=d("类别名称 (英文)", "category name in English"))
    total: str = Field(description=d("各项合计 (封顶前)", "sum of items before the cap"))
    cap: str | None = Field(description=d("类别封顶分, 无则为空", "category cap, if any"))
    capped: str = Field(description=d("封顶后计入的分数", "what counts after the cap"))
    items: list[ScoreItemOut] = Field(description=d("本类各项", "the category's items"))


class DistrictLayerOut(Schema):
    district: str = Field(description=d("区县代码", "district code"))
    total: str = Field(description=d("区县个性分合计 (封顶前)", "district items before the cap"))
    cap: str = Field(description=d("区县个性分封顶", "district layer cap"))
    capped: str = Field(description=d("封顶后计入的分数", "what counts after the cap"))
    items: list[ScoreItemOut] = Field(description=d("区县个性指标", "district items"))


class FreezeOut(Schema):
    item: str = Field(description=d("引起冻结的指标代码", "item key causing the freeze"))
    record_id: str = Field(description=d("引起冻结的记录", "record causing the freeze"))
    start: str = Field(description=d("冻结开始日", "first frozen day"))
    until: str = Field(description=d("冻结截止日 (含)", "last frozen day"))
    name_zh: str = Field(description=d("指标名称 (中文)", "item name in Chinese"))
    name_en: str = Field(description=d("指标名称 (英文)", "item name in English"))
    reason_zh: str = Field(description=d("冻结原因 (中文)", "reason in Chinese"))
    reason_en: str = Field(description=d("冻结原因 (英文)", "reason in English"))


class ScoreOut(Schema):
    resident_id: int | None = Field(description=d("居民编号", "resident id"))
    id_number: str = Field(description=d("身份证号 (脱敏)", "ID number, masked"))
    as_of: str = Field(description=d("评分日", "the date scored as of"))
    district: str | None = Field(description=d("计分区县代码", "district scored for"))
    district_name: str | None = Field(description=d("计分区县名称", "district name"))
    district_name_en: str | None = Field(description=d("计分区县名称 (英文)",
                                                       "district name in English"))
    home_district: str = Field(description=d("居住区县 (最近的居住登记)",
                                             "home district (latest registration)"))
    score: str | None = Field(description=d("该区县积分 = 通用积分 + 区县个性分",
                                            "score in the district = common + district "
                                            "items") + "; " + POINTS)
    common: str | None = Field(description=d("全市通用积分 (各区县互认)",
                                             "city common score (recognised everywhere)"))
    is_minor: bool = Field(description=d("未满 18 周岁: 无本人积分",
                                         "under 18: no score of their own"))
    minor_reason: str = Field(description=d("未成年说明", "why there is no own score"))
    rule_set_hash: str = Field(description=d("所用指标体系的内容哈希",
                                             "content hash of the rule set"))
    rule_set_profile: str = Field(description=d("指标体系版本编号", "rule set profile id"))
    rule_set_name: str = Field(description=d("指标体系名称", "rule set name"))
    categories: list[ScoreCategoryOut] = Field(description=d("通用积分各类别",
                                                             "categories of the common score"))
    district_layer: DistrictLayerOut | None = Field(description=d("区县个性分",
                                                                  "the district layer"))
    frozen: bool = Field(description=d("积分是否冻结 (冻结期间不能使用积分申请服务)",
                                       "frozen: points cannot be used for services"))
    frozen_until: str | None = Field(description=d("冻结截止日", "last frozen day"))
    freezes: list[FreezeOut] = Field(description=d("冻结原因", "reasons of freezes"))
    computed_at: str | None = Field(description=d("计算时间", "when it was computed"))


# --- department records held about a resident (staff) --------------------------------

class RecordVersionOut(Schema):
    version: int = Field(description=d("版本号", "version"))
    op: Literal["upsert", "retract"] = Field(description=d("upsert 报送/更正, retract 撤回",
                                                           "upsert or retract"))
    fields: dict[str, Any] = Field(description=d("该版本内容 (关联人身份证号脱敏)",
                                                 "content of this version, linked ID masked"))
    batch_id: int = Field(description=d("导入批次编号", "import batch id"))
    received_at: dt.datetime = Field(description=d("接收时间", "when received"))


class ResidentRecordOut(Schema):
    ref: str = Field(description=d("记录标识", "record reference SOURCE:record_id"))
    type: str = Field(description=d("记录类型代码", "record type code"))
    type_name_zh: str = Field(description=d("记录类型 (中文)", "record type in Chinese"))
    type_name_en: str = Field(description=d("记录类型 (英文)", "record type in English"))
    record_id: str = Field(description=d("部门记录编号", "the department's record id"))
    version: int = Field(description=d("当前版本", "current version"))
    op: Literal["upsert", "retract"] = Field(description=d("当前状态: upsert 有效, retract 已撤回",
                                                           "current state"))
    role: str = Field(description=d("居民在记录中的身份: subject 本人, spouse 配偶, child 子女",
                                    "the resident's role: subject, spouse, child"))
    fields: dict[str, Any] = Field(description=d("当前内容", "current content"))
    received_at: dt.datetime = Field(description=d("最近接收时间", "last received"))
    first_received_at: dt.datetime = Field(description=d("首次接收时间", "first received"))
    versions: list[RecordVersionOut] = Field(description=d("历次版本", "version history"))


class DepartmentRecordsOut(Schema):
    department: DepartmentOut = Field(description=d("报送部门", "sending department"))
    records: list[ResidentRecordOut] = Field(description=d("该部门报送的记录",
                                                           "records of this department"))


class ResidentRecordsOut(Schema):
    resident_id: int = Field(description=d("居民编号", "resident id"))
    departments: list[DepartmentRecordsOut] = Field(description=d(
        "各部门报送的记录 (查看已记入审计)", "records per department (this read is audited)"))
