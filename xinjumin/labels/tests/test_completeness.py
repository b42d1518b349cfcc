"""Every source, type, field and code of the exchange format and every item key of the
shipped rule sets has words in Chinese and in English; the check names what is missing."""

from __future__ import annotations

import re

import pytest

from points.feeds.schema import TYPES, Kind, TypeSpec, req
from points.rules import PROFILES_DIR, list_profiles, load_profile, validate_text
from xinjumin.labels import field_label, item_name, record_type
from xinjumin.labels.completeness import (
    item_keys,
    missing_code_labels,
    missing_departments,
    missing_field_labels,
    missing_item_names,
    missing_labels,
    missing_record_types,
    missing_summaries,
)
from xinjumin.scoring.rulesets import merge_text

PROFILES = [load_profile(name) for name in list_profiles()]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_shipped_profiles_are_the_two_of_the_domain() -> None:
    # the loop below covers what ships; if a profile is added it is covered too
    assert {"ningbo-2021", "zhejiang-2022"} <= {p.id for p in PROFILES}


@pytest.mark.parametrize("check", [
    missing_departments, missing_record_types, missing_field_labels, missing_code_labels,
    missing_summaries,
])
def test_the_exchange_format_has_words_for_everything(check) -> None:  # type: ignore[no-untyped-def]
    missing = check()
    assert missing == [], "missing labels:\n" + "\n".join(missing)


def test_every_item_of_every_layer_of_the_shipped_profiles_has_an_english_name() -> None:
    missing = missing_item_names(PROFILES)
    assert missing == [], "add them to xinjumin/labels/items.yaml:\n" + "\n".join(missing)
    keys = {k for p in PROFILES for k in item_keys(p)}
    assert {"patrol", "veteran", "local_home", "investment_tax"} <= keys  # layers included


def test_english_field_labels_and_type_names_are_english() -> None:
    for type_, spec in TYPES.items():
        assert not CJK.search(record_type(type_).en), type_
        for field in spec.field_order:
            label = field_label(type_, field)
            assert CJK.search(label.zh) and not CJK.search(label.en), (type_, field)


def test_an_item_a_district_adds_by_its_own_layer_document_is_reported() -> None:
    """The check can fail: a district layer adds an item nobody has translated."""
    city = (PROFILES_DIR / "ningbo-2021.yaml").read_text(encoding="utf-8")
    layer = """
district: "330203"
items:
  lantern:
    max: 5
    name_zh: 元宵灯会志愿
    description_zh: 元宵灯会志愿服务得 5 分
    reference: 海曙区 2027 年个性指标
    measure: {kind: event_within, window: 1y, points: 5}
"""
    rule_set, errors = validate_text(merge_text(city, [layer]))
    assert rule_set is not None, errors
    assert missing_item_names([rule_set]) == ["item ningbo-2021:lantern"]
    lantern = rule_set.layer("330203").item("lantern")
    assert lantern is not None
    # shown anyway: the Chinese name, and in English the Chinese name with its key
    assert item_name(lantern, "zh-hans") == "元宵灯会志愿"
    assert item_name(lantern, "en") == "元宵灯会志愿 (lantern)"


def test_a_type_field_or_code_without_words_is_reported() -> None:
    """The check can fail: feeds.md gains a type whose field and code have no words yet."""
    night_school = TypeSpec("night_school", ("EDU",), (
        req("course", Kind.CODE, "welding"), req("passed_on", Kind.DATE)))
    types = {**TYPES, "night_school": night_school}
    assert missing_record_types(types) == ["record type night_school",
                                           "record type night_school: date field ''"]
    assert missing_field_labels(types) == ["field night_school.course",
                                           "field night_school.passed_on"]
    assert missing_code_labels(types) == ["code type=night_school",
                                          "code night_school.course=welding"]
    assert missing_summaries(types) == ["record summary night_school"]


def test_labels_live_outside_the_rule_files() -> None:
    """A translation is not a new rules version: the shipped rule files carry no English
    names (those are in items.yaml), so the content hash a score names never covers them."""
    for profile in PROFILES:
        layers = [profile.template, *profile.districts.values()]
        items = [*profile.items, *(i for layer in layers for i in layer.items)]
        assert [i.key for i in items if i.name_en] == [], profile.id
    assert missing_labels(PROFILES) == []
