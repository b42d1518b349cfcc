"""Golden texts: the rules of the worked example's items (domain §7.7) in plain words, the
hints and the freeze reason, as residents read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from points.rules import PROFILES_DIR, load_profile, validate_text
from points.rules.model import Item
from xinjumin.labels import Label, category_name, freeze_reason, hints_for, item_name, rule_text

D = dt.date(2026, 12, 1)
RULES = load_profile("ningbo-2021")


def _item(key: str, district: str | None = None) -> Item:
    item = RULES.layer(district).item(key) if district else RULES.item(key)
    assert item is not None, key
    return item


GOLDEN = {
    "age": (
        "18–60 周岁: 45 周岁及以下得 15 分, 每大一岁少 1 分, 55–60 周岁得 5 分; 其他年龄 0 分",
        "ages 18–60: 15 points at 45 or younger, 1 point less for each year older, 5 points "
        "at 55–60; other ages: 0"),
    "permit": (
        "持有本市有效(未中止)居住证得 5 分, 自居住年限起算日起每满 1 个月再加 0.25 分(按月计的"
        "部分最高 15 分); 没有有效居住证 0 分",
        "5 points for a valid (not suspended) residence permit of the city, plus 0.25 for "
        "each full month since its counting start (the months part at most 15); no valid "
        "permit: 0"),
    "social_insurance": (
        "有社保缴纳记录的每个不同月份得 0.5 分(同一个月只算一次), 计至评分日所在月, 最高 25 分",
        "0.5 points for each different month with social insurance contributions on record "
        "(a month counts once), up to the month of the scoring date, at most 25 points"),
    "education": (
        "学历取最高一项: 博士研究生、硕士研究生、本科 10 分; 大专(高职) 8 分; 其他 0 分",
        "the highest diploma counts: doctorate, master's degree, bachelor's degree 10 points; "
        "junior college 8 points; anything else 0"),
    "skill": (
        "技能证书/职称取最高一项: 一级(高级技师)、二级(技师)、高级职称、中级职称 10 分; "
        "三级(高级工)、初级职称 8 分; 四级(中级工) 5 分; 五级(初级工)、专项职业能力证书 3 分; "
        "其他 0 分",
        "the highest skill certificate or title counts: level 1 (senior technician), level 2 "
        "(technician), senior title, intermediate title 10 points; level 3 (senior worker), "
        "junior title 8 points; level 4 (intermediate worker) 5 points; level 5 (junior "
        "worker), special vocational ability certificate 3 points; anything else 0"),
    "employment": (
        "在本市就业至评分日仍在持续且已连续满 12 个月得 10 分; 两段之间间隔不超过 31 天的视为连续",
        "10 points if your employment in the city is ongoing at the scoring date and has "
        "lasted 12 full months; spells with gaps of up to 31 days count as one"),
    "housing": (
        "本人或配偶有有效的本市住房产权记录得 10 分; 否则本人有有效的租赁登记、公共租赁住房或"
        "单位宿舍记录得 5 分; 其他 0 分",
        "10 points if you or your spouse own a home in the city (home ownership in force); "
        "otherwise 5 points with a registered lease, public rental housing or employer "
        "dormitory in force; otherwise 0"),
    "volunteer": (
        "评分日前 3 年内志愿服务每满 20 小时得 1 分, 最高 5 分",
        "1 point for each full 20 hours of volunteer service in the 3 years before the "
        "scoring date, at most 5 points"),
    "blood": (
        "每条无偿献血记录得 1 分, 最高 5 分",
        "1 point for each blood donation record, at most 5 points"),
    "admin_penalty": (
        "评分日前 3 年内每条行政处罚(罚款)记录扣 5 分",
        "5 points off for each administrative penalty (fine) record in the 3 years before the "
        "scoring date"),
    "detention": (
        "评分日前 3 年内每条行政处罚(行政拘留)记录扣 20 分; 自每条记录的决定日期起冻结积分使用 "
        "6 个月",
        "20 points off for each administrative penalty (administrative detention) record in "
        "the 3 years before the scoring date; points are frozen (cannot be used) for 6 months "
        "from each record's date"),
}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_the_worked_examples_rules_read_as_plain_words(key: str) -> None:
    zh, en = GOLDEN[key]
    assert rule_text(_item(key), D, "zh-hans") == zh
    assert rule_text(_item(key), D, "en") == en


def test_district_items_of_the_worked_example() -> None:
    charity, patrol = _item("charity", "330212"), _item("patrol", "330226")
    assert rule_text(charity, D, "zh-hans") == (
        "评分日前 3 年内在本区县有慈善捐赠记录得 5 分(只计一次)")
    assert rule_text(charity, D, "en") == (
        "5 points, once, if the district recorded a charitable donation for you in the 3 "
        "years before the scoring date")
    assert rule_text(patrol, D, "zh-hans") == (
        "评分日前 1 年内在本区县群防群治巡逻每满 4 小时得 1 分, 最高 10 分")
    assert rule_text(patrol, D, "en") == (
        "1 point for each full 4 hours of public-security patrol in the district in the 1 "
        "year before the scoring date, at most 10 points")
    festival = _item("festival_stay", "330212")
    assert "2026-02-17" in rule_text(festival, D, "zh-hans")  # the festival in force at D
    assert "2025-01-29" in rule_text(festival, dt.date(2025, 12, 1), "en")


def _with_dated_parameter() -> Item:
    """The city changes the age rule from 2027: the cap becomes 20 (a dated parameter)."""
    text = (PROFILES_DIR / "ningbo-2021.yaml").read_text(encoding="utf-8").replace(
        "measure: {kind: age_band, min_age: 18, max_age: 60, base: 5, pivot: 55, per_year: 1, "
        "cap: 15}",
        "measure: {kind: age_band, min_age: 18, max_age: 60, base: 5, pivot: 55, per_year: 1, "
        "cap: [{from: 2021-09-08, value: 15, reference: a}, "
        "{from: 2027-01-01, value: 20, reference: b}]}").replace(
        "    max: 15\n    name_zh: 年龄", "    max: 20\n    name_zh: 年龄")
    rule_set, errors = validate_text(text)
    assert rule_set is not None, errors
    item = rule_set.item("age")
    assert item is not None
    return item


def test_the_text_follows_the_parameters_in_force() -> None:
    age = _with_dated_parameter()
    assert rule_text(age, D, "zh-hans").startswith("18–60 周岁: 45 周岁及以下得 15 分")
    assert rule_text(age, dt.date(2027, 1, 1), "zh-hans").startswith(
        "18–60 周岁: 40 周岁及以下得 20 分")


def test_names_of_items_and_categories() -> None:
    assert item_name(_item("age"), "zh-hans") == "年龄"
    assert item_name(_item("age"), "en") == "Age"
    assert item_name(_item("patrol", "330226"), "en") == "Public-security patrol"
    assert category_name("deductions", "扣分项", "zh-hans") == "扣分项"
    assert category_name("deductions", "扣分项", "en") == "Deductions"
    assert category_name("lottery", "抽签项", "en") == "抽签项"  # unknown: the rule set's name


def test_hints_keep_their_content_and_follow_the_parameters() -> None:
    assert hints_for(_item("education"), Decimal(0), D, has_records=False) == [
        Label("未查询到学历记录: 可提交学历证明材料", "no diploma on record: submit evidence")]
    assert hints_for(_item("social_insurance"), Decimal(19), D, has_records=True)[0] == Label(
        "再缴纳 12 个月社保可得满分", "12 more months of contributions give full points")
    assert hints_for(_item("housing"), Decimal(10), D, has_records=True) == []  # at the max
    assert hints_for(_item("public_post", "330212"), Decimal(2), D, True)[0] == Label(
        "在本区县公益岗位服务每满 1 年加 2 分, 再服务 4 年可得满分",
        "each full year of service in the district (public-welfare post) adds 2; 4 more "
        "years give full points")
    assert hints_for(_item("festival_stay", "330212"), Decimal(0), D, False)[0].zh == (
        "下一个春节(2027-02-06)在本区县留区过年并登记, 可得 5 分")
    assert hints_for(_item("patrol", "330226"), Decimal(2), D, True)[0] == Label(
        "每满 4 小时群防群治巡逻加 1 分", "each full 4 hours of public-security patrol add 1")


def test_a_capped_deduction_hints_only_while_it_takes_points_off() -> None:
    text = (PROFILES_DIR / "ningbo-2021.yaml").read_text(encoding="utf-8").replace(
        "    max: null\n    name_zh: 严重失信", "    max: 30\n    name_zh: 严重失信")
    rule_set, errors = validate_text(text)
    assert rule_set is not None, errors
    dishonesty = rule_set.item("dishonesty")
    assert dishonesty is not None and dishonesty.max == 30
    assert hints_for(dishonesty, Decimal(0), D, has_records=False) == []
    hints = hints_for(dishonesty, Decimal(-30), D, has_records=True)
    assert [h.zh for h in hints] == [
        "移出名单或列入满 5 年后本项不再计分",
        "如认为记录有误, 可提出异议, 由另一名审核人员在 5 个工作日内复核"]


def test_freeze_reason_names_the_item_and_the_dates_not_the_record() -> None:
    detention = _item("detention")
    start, until = dt.date(2025, 2, 1), dt.date(2025, 7, 31)
    assert freeze_reason(detention, "detention", start, until, "zh-hans") == (
        "因行政拘留记录, 自 2025-02-01 起至 2025-07-31 积分冻结, 期间不能使用积分申请服务")
    assert freeze_reason(detention, "detention", start, until, "en") == (
        "Because of a record of administrative detention, your points are frozen from "
        "2025-02-01 to 2025-07-31; while frozen they cannot be used to apply for services")
    # an item no longer in the rule set: named by its key where a name is known
    assert freeze_reason(None, "crime", "2024-01-01", "2026-06-30", "en").startswith(
        "Because of a record of criminal offence, your points are frozen from 2024-01-01")
    assert freeze_reason(None, "lantern", "2024-01-01", None, "zh-hans") == (
        "因扣分记录, 自 2024-01-01 起积分冻结, 期间不能使用积分申请服务")
