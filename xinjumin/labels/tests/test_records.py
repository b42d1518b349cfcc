"""Records in words, with their own values: what the clerk's records tab and the resident's
record rows show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xinjumin.labels import (
    code_label,
    department,
    district_name,
    field_label,
    record_date_field,
    record_end_field,
    record_fields,
    record_summary,
    record_type,
    value_text,
)

ZH, EN = "zh-hans", "en"
# records of the worked example (domain §7.7), typed as points.feeds reads them ...
DIPLOMA = {"level": "junior_college", "issued_on": dt.date(2006, 7, 1)}
VOLUNTEER = {"served_on": dt.date(2025, 3, 1), "hours": Decimal("25")}
FINE = {"kind": "fine", "decided_on": dt.date(2025, 2, 1)}
# ... and as the stored JSON payloads hold them
FINE_JSON = {"kind": "fine", "decided_on": "2025-02-01"}
LEASE_JSON = {"district": "330212", "complex_id": "330212002-0001", "monthly_rent": "2500.00",
              "start": "2024-01-01", "end": "2027-12-31"}


def test_summaries_carry_the_records_own_values() -> None:
    assert record_summary("diploma", DIPLOMA, ZH) == "大专(高职)学历, 2006-07-01 毕业"
    assert record_summary("diploma", DIPLOMA, EN) == (
        "diploma: junior college, awarded on 2006-07-01")
    assert record_summary("volunteer_service", VOLUNTEER, ZH) == "2025-03-01 志愿服务 25 小时"
    assert record_summary("volunteer_service", VOLUNTEER, EN) == (
        "25 hours of volunteer service on 2025-03-01")
    assert record_summary("admin_penalty", FINE, ZH) == "行政处罚: 罚款, 2025-02-01 决定"
    assert record_summary("admin_penalty", FINE, EN) == (
        "administrative penalty: fine, decided on 2025-02-01")
    assert record_summary("admin_penalty", FINE_JSON, ZH) == record_summary(
        "admin_penalty", FINE, ZH)


@pytest.mark.parametrize(("type_", "fields", "zh", "en"), [
    ("residence_permit", {"permit_no": "3302121900000001", "district": "330212",
                          "issued_on": "2020-01-10", "count_start": "2019-06-20",
                          "last_endorsed_on": "2025-12-20"},
     "居住证 3302121900000001, 鄞州区 2020-01-10 签发, 居住年限自 2019-06-20 起算, "
     "最近签注 2025-12-20",
     "residence permit 3302121900000001 issued in Yinzhou on 2020-01-10, residence counted "
     "from 2019-06-20, last endorsed on 2025-12-20"),
    ("social_insurance_period", {"employer_uscc": "91350100M000100Y43", "district": "330212",
                                 "first_month": "2023-10", "last_month": "2026-11"},
     "2023-10 至 2026-11 在鄞州区缴纳社保 38 个月 (单位 91350100M000100Y43)",
     "38 months of contributions in Yinzhou, 2023-10 to 2026-11 (employer "
     "91350100M000100Y43)"),
    ("skill_certificate", {"kind": "level", "level": 4, "issued_on": "2015-05-01"},
     "职业技能等级证书 四级(中级工), 2015-05-01 取得",
     "vocational skill certificate level 4 (intermediate worker), obtained on 2015-05-01"),
    ("employment", {"kind": "contract", "district": "330212", "start": "2024-01-01"},
     "劳动合同, 鄞州区, 2024-01-01 起至今", "labour contract in Yinzhou, since 2024-01-01"),
    ("lease", LEASE_JSON,
     "租住鄞州区小区 330212002-0001, 月租 2,500.00 元, 2024-01-01 至 2027-12-31",
     "lease in Yinzhou, complex 330212002-0001, rent CNY 2,500.00 a month, 2024-01-01 to "
     "2027-12-31"),
    ("blood_donation", {"donated_on": "2024-05-01", "kind": "platelet"},
     "2024-05-01 无偿献血 (血小板)", "blood donation (platelets) on 2024-05-01"),
    ("district_item", {"district": "330226", "item": "patrol", "on": "2026-06-01",
                       "hours": "10.00"},
     "宁海县 群防群治巡逻, 2026-06-01, 10 小时",
     "public-security patrol in Ninghai, on 2026-06-01, 10 hours"),
    ("marriage", {"spouse_id_number": "330203198001011234", "since": "2010-05-01"},
     "与 3302**********1234 结婚登记于 2010-05-01",
     "married to 3302**********1234 on 2010-05-01"),
    ("dishonesty_listing", {"listed_on": "2023-01-01", "lifted_on": "2024-01-01"},
     "2023-01-01 列入严重失信名单, 2024-01-01 移出",
     "listed as seriously dishonest on 2023-01-01, lifted on 2024-01-01"),
    ("union_membership", {"district": "330212", "start": "2024-03-01"},
     "鄞州区工会会员, 2024-03-01 起至今", "trade union member in Yinzhou, since 2024-03-01"),
    ("record_override", {"target_source": "PSB", "target_record_id": "PSB-P-1",
                         "effect": "disregard", "from": "2026-06-01", "until": "2026-08-31",
                         "case_no": "C-2026-0001"},
     "公安局 记录 PSB-P-1 自 2026-06-01 至 2026-08-31 不予采用 (案件 C-2026-0001)",
     "record PSB-P-1 of Public Security Bureau disregarded from 2026-06-01 until 2026-08-31 "
     "(case C-2026-0001)"),
    ("record_override", {"target_source": "EDU", "target_record_id": "EDU-D-1",
                         "effect": "disregard", "from": "2026-07-01", "case_no": "C-2"},
     "教育局 记录 EDU-D-1 自 2026-07-01 起不予采用 (案件 C-2)",
     "record EDU-D-1 of Education Bureau disregarded from 2026-07-01 (case C-2)"),
])
def test_summaries_of_other_types(type_: str, fields: dict, zh: str, en: str) -> None:
    assert record_summary(type_, fields, ZH) == zh
    assert record_summary(type_, fields, EN) == en


def test_values_in_words() -> None:
    assert value_text("admin_penalty", "kind", "fine", ZH) == "罚款"
    assert value_text("admin_penalty", "kind", "fine", EN) == "fine"
    assert value_text("lease", "monthly_rent", Decimal("200"), ZH) == "200.00 元"
    assert value_text("lease", "monthly_rent", "200", EN) == "CNY 200.00"
    assert value_text("volunteer_service", "hours", Decimal("12.00"), ZH) == "12 小时"
    assert value_text("volunteer_service", "hours", "1", EN) == "1 hour"
    assert value_text("volunteer_service", "served_on", dt.date(2025, 2, 1), EN) == "2025-02-01"
    assert value_text("social_insurance_period", "first_month", "2025-02", ZH) == "2025-02"
    assert value_text("social_insurance_period", "district", "330102", ZH) == "浙江省区县 330102"
    assert value_text("residence_registration", "district", "330203", ZH) == "海曙区"
    assert value_text("residence_registration", "district", "330203", EN) == "Haishu"
    assert value_text("residence_registration", "street", "330203001", ZH) == "南门街道"
    assert value_text("insured_employees", "insured_count", 12, ZH) == "12 人"
    assert value_text("insured_employees", "business_uscc", "91330212MA2XXXXX1A", EN) == (
        "91330212MA2XXXXX1A")
    assert value_text("complex_rent", "year", 2025, ZH) == "2025 年"
    assert value_text("x", "y", True, ZH) == "是" and value_text("x", "y", False, EN) == "no"
    assert value_text("award", "level", "provincial", ZH) == "省部级"
    assert value_text("lease", "end", None, ZH) == ""


def test_id_numbers_are_masked_wherever_they_appear() -> None:
    full = "360426198503101238"
    for type_, field in [("guardianship", "child_id_number"),
                         ("marriage", "spouse_id_number"), ("diploma", "id_number")]:
        assert value_text(type_, field, full, ZH) == "3604**********1238"
        assert value_text(type_, field, full, EN) == "3604**********1238"
    assert full not in str(record_fields("marriage", {"spouse_id_number": full,
                                                      "since": "2010-05-01"}, ZH))
    assert full not in record_summary("guardianship", {"child_id_number": full,
                                                       "since": "2015-01-01"}, EN)


def test_record_fields_in_the_types_order_without_empty_values() -> None:
    assert record_fields("lease", {**LEASE_JSON, "unit": None}, ZH) == [
        ("区县", "鄞州区"), ("小区编号", "330212002-0001"), ("月租金", "2,500.00 元"),
        ("开始日期", "2024-01-01"), ("结束日期", "2027-12-31")]
    assert record_fields("admin_penalty", {"decided_on": "2025-02-01", "kind": "fine"}, EN) == [
        ("kind of penalty", "fine"), ("decided on", "2025-02-01")]
    # envelope fields, when given, come first and read in words too
    assert record_fields("admin_penalty", {"kind": "detention", "source": "PSB",
                                           "op": "retract"}, ZH) == [
        ("来源部门", "公安局"), ("操作", "撤回"), ("处罚种类", "行政拘留")]


def test_labels_of_departments_types_fields_and_codes() -> None:
    assert department("PSB").in_(ZH) == "公安局"
    assert department("PSB").in_(EN) == "Public Security Bureau"
    assert department("NOPE").in_(EN) == "NOPE"
    assert record_type("lease").in_(ZH) == "租赁登记"
    assert record_date_field("admin_penalty") == "decided_on"
    assert record_end_field("dishonesty_listing") == "lifted_on"
    assert record_end_field("diploma") is None
    assert field_label("admin_penalty", "decided_on").in_(ZH) == "决定日期"
    assert code_label("diploma", "level", "bachelor").in_(EN) == "bachelor's degree"
    assert code_label("skill_certificate", "title", "senior").in_(ZH) == "高级职称"
    assert district_name("330226", EN) == "Ninghai"


def test_a_label_falls_back_to_chinese_when_english_is_empty() -> None:
    from xinjumin.labels import Label

    assert Label("甲", "").in_("en") == "甲"
    assert Label("甲", "a").in_("en-gb") == "a" and Label("甲", "a").in_("zh-hans") == "甲"
