"""Indicator versions: upload (validation), compare on the population, publish (roles,
dates, no double publish), and the rule set in force."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from points.rules import PROFILES_DIR, load_profile
from points.tests.samples import AS_OF, expected_rows
from xinjumin.audit.models import AuditEvent
from xinjumin.core.errors import DomainError
from xinjumin.scoring.indicators import indicator_compare, indicator_publish, indicator_upload
from xinjumin.scoring.models import IndicatorSystem
from xinjumin.scoring.rulesets import rule_set_in_force

NINGBO = (PROFILES_DIR / "ningbo-2021.yaml").read_text(encoding="utf-8")
# a district layer document is the district's whole override of the city template
PATROL_12 = """district: "330226"
id: ningbo-2021-330226-2027
items:
  patrol:
    max: 12
    name_zh: 群防群治
    description_zh: 评分日前 12 个月内在本县参加群防群治巡逻, 每满 4 小时 1 分
    reference: "宁海县 2027 [test]"
    measure: {kind: rate_sum_in_window, record_type: district_item, amount_field: hours,
              date_field: "on", window: 12m, unit: 4, points_per_unit: 1}
"""
pytestmark = pytest.mark.django_db


def _changed_city() -> str:
    text = NINGBO.replace("id: ningbo-2021", "id: ningbo-2027", 1)
    return text.replace("measure: {kind: distinct_months, per_month: 0.5}",
                        "measure: {kind: distinct_months, per_month: 0.75}", 1)


def test_migrations_ship_the_two_profiles() -> None:
    city = IndicatorSystem.objects.get(content_hash=load_profile("ningbo-2021").content_hash)
    assert (city.status, city.effective_from, city.layer) == (
        "published", dt.date(2021, 9, 8), "city")
    draft = IndicatorSystem.objects.get(
        content_hash=load_profile("zhejiang-2022").content_hash)
    assert draft.status == "draft" and draft.effective_from is None
    assert rule_set_in_force(as_of=AS_OF).content_hash == city.content_hash


def test_upload_reports_field_level_bilingual_errors(world) -> None:
    admin = world.users["city_admin"]
    bad = NINGBO.replace("id: ningbo-2021", "id: broken", 1).replace(
        "measure: {kind: age_band, min_age: 18, max_age: 60, base: 5, pivot: 55, per_year: 1,"
        " cap: 15}", "measure: {kind: age_band, min_age: 18, max_age: 60, pivot: 55, "
        "per_year: 1, cap: 15, colour: red}", 1)
    with pytest.raises(DomainError) as exc:
        indicator_upload(actor=admin, yaml_text=bad)
    fields = exc.value.fields
    assert "items.age.measure.base" in fields and "items.age.measure.colour" in fields
    assert "缺少必填参数 base" in fields["items.age.measure.base"]
    assert "needs the parameter base" in fields["items.age.measure.base"]
    assert exc.value.message.startswith("指标体系文件有 2 处错误")
    assert not IndicatorSystem.objects.filter(profile="broken").exists()


def test_upload_rejects_bad_yaml_and_duplicates(world) -> None:
    admin = world.users["city_admin"]
    with pytest.raises(DomainError) as exc:
        indicator_upload(actor=admin, yaml_text="id: [unclosed")
    assert "YAML" in exc.value.fields["_"]
    with pytest.raises(DomainError) as exc:
        indicator_upload(actor=admin, yaml_text=NINGBO)
    assert exc.value.code == "duplicate" and exc.value.status == 409


def test_city_admin_uploads_and_publishes_a_city_version(world) -> None:
    admin = world.users["city_admin"]
    version = indicator_upload(actor=admin, yaml_text=_changed_city())
    assert (version.status, version.layer, version.profile) == ("draft", "city", "ningbo-2027")
    start = timezone.localdate() + dt.timedelta(days=30)
    published = indicator_publish(actor=admin, version=version, effective_from=start)
    assert (published.status, published.effective_from) == ("published", start)
    assert published.published_by == admin
    assert rule_set_in_force(as_of=start).content_hash == version.content_hash
    assert rule_set_in_force(as_of=start - dt.timedelta(days=1)).content_hash == \
        load_profile("ningbo-2021").content_hash
    assert AuditEvent.objects.filter(action="indicator.publish",
                                     object_id=str(version.pk)).exists()
    # the same draft can't be published twice (conditional UPDATE on status)
    stale = IndicatorSystem.objects.get(pk=version.pk)
    stale.status = "draft"
    with pytest.raises(DomainError) as exc:
        indicator_publish(actor=admin, version=stale,
                          effective_from=start + dt.timedelta(days=1))
    assert exc.value.code == "not_draft"


def test_publish_dates_must_not_overlap_or_be_past(world) -> None:
    admin = world.users["city_admin"]
    zhejiang = IndicatorSystem.objects.get(profile="zhejiang-2022")
    with pytest.raises(DomainError) as exc:
        indicator_publish(actor=admin, version=zhejiang, effective_from=dt.date(2025, 1, 1))
    assert exc.value.code == "effective_in_past" and "effective_from" in exc.value.fields
    later = timezone.localdate() + dt.timedelta(days=60)
    indicator_publish(actor=admin, version=indicator_upload(
        actor=admin, yaml_text=_changed_city()), effective_from=later)
    with pytest.raises(DomainError) as exc:
        indicator_publish(actor=admin, version=zhejiang,
                          effective_from=later - dt.timedelta(days=1))
    assert exc.value.code == "effective_overlap"
    assert IndicatorSystem.objects.get(pk=zhejiang.pk).status == "draft"


def test_district_admin_publishes_only_their_own_layer(world) -> None:
    ninghai = world.users["district_admin_nh"]
    yinzhou = world.users["district_admin_yz"]
    city = world.users["city_admin"]
    with pytest.raises(DomainError) as exc:
        indicator_upload(actor=yinzhou, yaml_text=PATROL_12)
    assert exc.value.status == 403
    with pytest.raises(DomainError):
        indicator_upload(actor=ninghai, yaml_text=_changed_city())
    layer = indicator_upload(actor=ninghai, yaml_text=PATROL_12)
    assert layer.layer == "330226"
    start = timezone.localdate() + dt.timedelta(days=10)
    for outsider in (yinzhou, city):
        with pytest.raises(DomainError) as exc:
            indicator_publish(actor=outsider, version=layer, effective_from=start)
        assert exc.value.code == "forbidden"
    before = rule_set_in_force(as_of=start)  # loaded (and kept) before the layer exists
    assert str(before.layer("330226").item("patrol").max) != "12"
    indicator_publish(actor=ninghai, version=layer, effective_from=start)
    rules = rule_set_in_force(as_of=start)  # the layer in force at once
    assert str(rules.layer("330226").item("patrol").max) == "12"
    assert str(rules.layer("330212").item("charity").max) == "5"
    assert rules.content_hash != load_profile("ningbo-2021").content_hash


def test_district_layer_errors_name_the_layer_key_path(world) -> None:
    ninghai = world.users["district_admin_nh"]
    with pytest.raises(DomainError) as exc:
        indicator_upload(actor=ninghai, yaml_text=PATROL_12.replace(
            "window: 12m, ", ""))
    assert "items.patrol.measure.window" in exc.value.fields, exc.value.fields
    with pytest.raises(DomainError) as exc:
        indicator_upload(actor=ninghai, yaml_text='district: "330299"\ncap: 30\n')
    assert "district" in exc.value.fields


@pytest.mark.usefixtures("samples")
def test_compare_on_the_whole_population_is_stored() -> None:
    zhejiang = IndicatorSystem.objects.get(profile="zhejiang-2022")
    summary = indicator_compare(version=zhejiang, as_of=AS_OF)
    adults = [r for r in expected_rows() if r["is_minor"] == "false"]
    assert summary["count"] == len(adults)
    assert summary["against"] == load_profile("ningbo-2021").content_hash
    assert summary["rule_b"] == "zhejiang-2022"
    assert summary["gainers"] + summary["losers"] == summary["changed"] > 0
    stored = IndicatorSystem.objects.get(pk=zhejiang.pk).comparison
    assert stored["count"] == len(adults) and stored["candidate"] == zhejiang.content_hash


@pytest.mark.usefixtures("world")  # its city admin uploads
def test_cli_lists_and_uploads(tmp_path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(_changed_city(), encoding="utf-8")
    out = io.StringIO()
    call_command("indicators", "upload", str(path), stdout=out)
    assert "ningbo-2027 [city]" in out.getvalue() and "draft" in out.getvalue()
    out = io.StringIO()
    call_command("indicators", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert any("ningbo-2021" in line and "published" in line and "2021-09-08" in line
               for line in lines)
    assert any("zhejiang-2022" in line and "draft" in line for line in lines)
