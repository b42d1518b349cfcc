"""Schemas for the back office / API to use: the `xjm scores show` object and indicator
versions with their comparison. (The resident's explained score view is described by
xinjumin.api.schemas_score, which mirrors selectors.resident_score_view.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


def _d(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class StoredScoreOut(Schema):
    """services.score_for(...) — the `xjm scores show --format json` object."""

    id_number: str = Field(description=_d("身份证号 (脱敏)", "ID number, masked"))
    district: str | None = Field(description=_d("计分区县", "district scored for"))
    home_district: str | None = Field(description=_d("居住区县", "home district"))
    score: str | None = Field(description=_d("该区县积分", "score in the district"))
    common: str | None = Field(description=_d("通用积分", "common score"))
    scores: dict[str, str | None] = Field(description=_d("十个区县的积分", "all ten districts"))
    rule_set: str = Field(description=_d("指标体系内容哈希", "rule-set content hash"))
    rule_set_id: str = Field(description=_d("指标体系编号", "rule-set id"))
    as_of: str = Field(description=_d("评分日", "as-of date"))
    is_minor: bool
    frozen: bool
    frozen_until: str | None
    items: dict[str, str | None] = Field(description=_d("各项得分 (扣分为负)",
                                                        "points per item, deductions negative"))
    record_ids: dict[str, list[str]] = Field(description=_d("各项依据的记录",
                                                            "record ids behind each item"))
    explained: bool
    source: str
    computed_at: str | None


class IndicatorVersionOut(Schema):
    id: int
    profile: str
    name: str
    layer: str = Field(description=_d('"city" 或区县代码', '"city" or a district code'))
    content_hash: str
    status: str
    effective_from: dt.date | None
    uploaded_at: dt.datetime
    published_at: dt.datetime | None
    comparison: dict[str, Any] | None = Field(description=_d(
        "与现行版本在全体居民上的对比 (points.compare 摘要)",
        "comparison with the version in force over the whole population"))


class IndicatorUploadIn(Schema):
    yaml_text: str = Field(max_length=1_000_000,
                           description=_d("指标体系 YAML 文本", "the indicator YAML text"))


class IndicatorPublishIn(Schema):
    effective_from: dt.date = Field(description=_d("生效日期", "effective date"))
