"""Rule-set loading, dated parameters and validation errors (public API: the messages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from points.rules import RuleSetError, list_profiles, load_profile, load_rule_set, validate_file
from points.rules.load import validate_text
from points.rules.model import DISTRICT_CODES, MEASURE_KINDS

PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "ningbo-2021.yaml"


def _data() -> dict:
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))


def _errors(data: dict) -> list[str]:
    _, errors = validate_text(yaml.safe_dump(data, allow_unicode=True), file="bad.yaml")
    return [str(e) for e in errors]


def test_profiles_load() -> None:
    assert list_profiles() == ["ningbo-2021", "zhejiang-2022"]
    ningbo, zhejiang = load_profile("ningbo-2021"), load_profile("zhejiang-2022")
    assert ningbo.effective_from == dt.date(2021, 9, 8) and ningbo.status == "active"
    assert zhejiang.status == "draft"
    assert [c.cap for c in ningbo.categories] == [Decimal(100), Decimal(50), None]
    assert [c.cap for c in zhejiang.categories] == [Decimal(100), Decimal(150), None]
    assert zhejiang.template.cap == Decimal(50)
    assert len(ningbo.content_hash) == 64 and ningbo.content_hash != zhejiang.content_hash
    assert set(ningbo.districts) == set(DISTRICT_CODES)


def test_district_layers_extend_the_template() -> None:
    rules = load_profile("ningbo-2021")
    template = [i.key for i in rules.template.items]
    assert template == ["courage", "public_post", "party_member", "festival_stay", "charity"]
    assert [i.key for i in rules.layer("330226").items] == [*template, "patrol"]
    assert [i.key for i in rules.layer("330213").items] == [*template, "veteran"]
    assert [i.key for i in rules.layer("330225").items] == [*template, "local_home"]
    assert [i.key for i in rules.layer("330212").items] == template
    assert all(layer.cap == 30 for layer in rules.districts.values())


def test_every_measure_kind_is_implemented() -> None:
    from points.measures import registry

    assert set(registry()) == set(MEASURE_KINDS)


def test_content_hash_ignores_comments_and_layout(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text("# a comment\n" + PROFILE.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rule_set(copy).content_hash == load_profile("ningbo-2021").content_hash
    data = _data()
    data["items"]["age"]["measure"]["cap"] = 14
    other, errors = validate_text(yaml.safe_dump(data, allow_unicode=True))
    assert not errors and other is not None
    assert other.content_hash != load_profile("ningbo-2021").content_hash


def test_dated_parameter_value_in_force_at_d() -> None:
    data = _data()
    data["items"]["volunteer"]["measure"]["unit"] = [
        {"from": dt.date(2021, 9, 8), "value": 20, "reference": "2021 notice"},
        {"from": dt.date(2026, 1, 1), "value": 10, "reference": "2026 notice"},
    ]
    rules, errors = validate_text(yaml.safe_dump(data, allow_unicode=True))
    assert not errors and rules is not None
    item = rules.item("volunteer")
    assert item is not None
    measure = item.measure
    assert measure.value("unit", dt.date(2025, 12, 31)) == 20
    assert measure.params["unit"].at(dt.date(2026, 1, 1)).reference == "2026 notice"
    assert measure.value("unit", dt.date(2020, 1, 1)) == 20  # before the first: the first


def test_decimals_are_exact() -> None:
    rules = load_profile("ningbo-2021")
    item = rules.item("permit")
    assert item is not None
    value = item.measure.value("per_month", dt.date(2026, 1, 1))
    assert value == Decimal("0.25") and isinstance(value, Decimal)


@pytest.mark.parametrize(("mutate", "path", "words"), [
    (lambda d: d["categories"]["base"].pop("cap"), "categories.base.cap", "missing the cap"),
    (lambda d: d["district_template"].pop("cap"), "district_template.cap", "missing the cap"),
    (lambda d: d["items"]["age"].pop("max"), "items.age.max", "missing the item cap"),
    (lambda d: d["items"]["age"]["measure"].update(kind="age_curve"), "items.age.measure.kind",
     "unknown measure kind 'age_curve'"),
    (lambda d: d["items"]["age"]["measure"].update(slope=1), "items.age.measure.slope",
     "age_band has no parameter 'slope'"),
    (lambda d: d["items"]["age"]["measure"].pop("pivot"), "items.age.measure.pivot",
     "needs the parameter pivot"),
    (lambda d: d["items"]["age"].update(maximum=3), "items.age.maximum",
     "an item has no field 'maximum'"),
    (lambda d: d["items"]["permit"]["measure"].update(per_month="0.3"),
     "items.permit.measure.per_month", "not a multiple of 0.25"),
    (lambda d: d["items"]["age"].update(max=15.1), "items.age.max", "not a multiple of 0.25"),
    (lambda d: d["districts"].update({"330299": {}}), "districts.330299",
     "is not one of the ten"),
    (lambda d: d["districts"]["330212"].update(drop=["lottery"]), "districts.330212.drop",
     "cannot drop 'lottery'"),
    (lambda d: d["items"]["age"].update(category="extra"), "items.age.category",
     "unknown category 'extra'"),
    (lambda d: d["items"]["age"]["measure"].update(cap=[{"value": 15, "reference": "x"}]),
     "items.age.measure.cap[0]", "needs a `from` date"),
    (lambda d: d["items"]["age"]["measure"].update(cap=[
        {"from": dt.date(2024, 1, 1), "value": 15, "reference": "a"},
        {"from": dt.date(2023, 1, 1), "value": 14, "reference": "b"}]),
     "items.age.measure.cap", "must strictly increase"),
    (lambda d: d["items"]["age"]["measure"].update(cap=[
        {"from": dt.date(2024, 1, 1), "value": 15, "reference": "a"},
        {"from": dt.date(2024, 1, 1), "value": 14, "reference": "b"}]),
     "items.age.measure.cap", "no overlap"),
    (lambda d: d["items"]["award"]["measure"].update(window="5 years"),
     "items.award.measure.window", "write a period as"),
    (lambda d: d["items"].update(
        courage_city={**d["district_template"]["items"]["courage"], "category": "bonus"}),
     "items.courage_city.measure.kind", "for district items only"),
    (lambda d: d["items"]["detention"].update(freeze={"months": 6}),
     "items.detention.freeze", "write a freeze as"),
    (lambda d: d.pop("effective_from"), "effective_from", "missing effective_from"),
])
def test_validation_errors_name_file_path_and_fix(mutate, path, words) -> None:
    data = _data()
    mutate(data)
    errors = _errors(data)
    assert any(e.startswith(f"bad.yaml: {path}: ") and words in e for e in errors), errors
    # bilingual: Chinese first, then " / " and the English
    assert all(" / " in e for e in errors)


def test_load_rule_set_raises_with_all_errors(tmp_path: Path) -> None:
    data = _data()
    data["items"]["age"].pop("max")
    data["districts"]["999999"] = {}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_rule_set(bad)
    assert len(info.value.errors) == 2
    assert validate_file(bad) == info.value.errors


def test_yaml_syntax_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    assert "YAML syntax error" in str(validate_file(bad)[0])
    assert "cannot read the file" in str(validate_file(tmp_path / "nope.yaml")[0])
    with pytest.raises(RuleSetError, match="no profile named nope"):
        load_profile("nope")
