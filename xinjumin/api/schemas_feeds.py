"""Schemas of feed ingestion by department systems (POST /feeds/records)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from xinjumin.api.schemas import d

MAX_RECORDS = 5000

Outcome = Literal["created", "updated", "unchanged", "ignored", "retracted", "conflict",
                  "identity_change", "rejected"]


class FeedRecordsIn(Schema):
    records: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_RECORDS,
        description=d(
            f"数据记录, 每批 1 至 {MAX_RECORDS} 条, 格式见 feeds.md (source, type, record_id, "
            "version, op, id_number 及各类型字段); 请求体不超过 1 MB",
            f"1 to {MAX_RECORDS} records in the feeds.md format (source, type, record_id, "
            "version, op, id_number and the type's fields); the body is limited to 1 MB"),
        examples=[[{"source": "HRSS", "type": "social_insurance_period",
                    "record_id": "SI-2026-000001", "version": 1,
                    "id_number": "11010519491231002X",
                    "employer_uscc": "91350100M000100Y43", "district": "330212",
                    "first_month": "2024-01", "last_month": "2026-10"}]])


class RecordErrorOut(Schema):
    field: str | None = Field(description=d("出错的字段, 整条记录的问题为空",
                                            "the field at fault; empty for the whole record"))
    code: str = Field(description=d("错误代码 (稳定)", "error code (stable)"))
    message: str = Field(description=d("原因 (中文)", "reason in Chinese"))
    message_en: str = Field(description=d("原因 (英文)", "reason in English"))


class RecordResultOut(Schema):
    index: int = Field(description=d("记录在本批中的序号, 从 0 开始",
                                     "the record's position in the batch, from 0"))
    record_id: str | None = Field(description=d("记录编号 (能读出时)",
                                                "the record id, when it could be read"))
    outcome: Outcome = Field(description=d(
        "结果: created 新增, updated 更正, unchanged 重复 (未变), ignored 旧版本 (忽略), "
        "retracted 撤回, conflict 同版本内容不同 (拒绝), identity_change 改变类型或主体 (拒绝), "
        "rejected 校验不通过或此密钥不能发送该类型 (拒绝)",
        "created, updated (a higher version), unchanged (replay), ignored (older version), "
        "retracted, conflict (same version, other content: rejected), identity_change "
        "(type or subject changed: rejected), rejected (invalid, or a type this key may "
        "not send)"))
    errors: list[RecordErrorOut] = Field(description=d("被拒绝的原因 (按字段)",
                                                       "why it was rejected, per field"))


class FeedCountsOut(Schema):
    created: int = Field(description=d("新增", "created"))
    updated: int = Field(description=d("更正", "updated"))
    unchanged: int = Field(description=d("重复 (未变)", "unchanged (replays)"))
    ignored: int = Field(description=d("旧版本 (忽略)", "ignored (older versions)"))
    conflict: int = Field(description=d("冲突 (拒绝)", "conflicts (rejected)"))
    retracted: int = Field(description=d("撤回", "retracted"))
    rejected: int = Field(description=d("拒绝 (含改变类型或主体)",
                                        "rejected (identity changes included)"))


class FeedResultOut(Schema):
    batch_id: int = Field(description=d("导入批次编号", "import batch id"))
    counts: FeedCountsOut = Field(description=d("各结果的条数", "records per outcome"))
    results: list[RecordResultOut] = Field(description=d("每条记录的结果, 按提交顺序",
                                                         "one result per record, in order"))
