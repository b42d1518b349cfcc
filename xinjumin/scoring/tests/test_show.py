"""`xjm scores show` after importing the sample feeds gives exactly expected_scores.csv."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from points.rules import load_profile
from points.tests.samples import AS_OF, expected_rows
from xinjumin.scoring.models import StoredScore
from xinjumin.scoring.sources import subject_hash

ROWS = expected_rows()
ADULTS = [r for r in ROWS if r["is_minor"] == "false"]
CITY_ITEMS = ["age", "permit", "social_insurance", "education", "skill", "employment",
              "housing", "shortage_post", "job_creation", "invention", "award", "volunteer",
              "blood", "donation", "admin_penalty", "detention", "dishonesty",
              "false_material", "crime"]
SAMPLE_CODES = ("330212", "330226", "330213", "330225", "330203")
pytestmark = pytest.mark.usefixtures("samples")


def show(*args: str) -> dict:
    out = io.StringIO()
    call_command("scores", "show", *args, "--as-of", AS_OF.isoformat(), "--format", "json",
                 stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[r["id_number"] for r in ROWS])
def test_show_json_matches_expected_scores(row: dict[str, str]) -> None:
    data = show(row["id_number"])
    assert data["as_of"] == "2026-12-01"
    assert data["rule_set_hash"] == load_profile("ningbo-2021").content_hash
    assert data["rule_set_profile"] == "ningbo-2021"
    if row["is_minor"] == "true":
        assert data["is_minor"] is True
        assert (data["score"], data["common"], data["items"]) == (None, None, {})
        return
    assert data["common"] == row["common"]
    assert data["score"] == row[f"score_{data['district']}"]
    assert data["district"] == data["home_district"]
    assert {k: data["items"][k] for k in CITY_ITEMS} == {k: row[k] for k in CITY_ITEMS}
    assert data["scores"] == {k[6:]: v for k, v in row.items() if k.startswith("score_")}
    assert data["frozen"] is (row["frozen"] == "true")
    assert (data["frozen_until"] or "") == row["frozen_until"]
    # the district items add up to the district score (capped at 30 in the profile)
    district_keys = set(data["items"]) - set(CITY_ITEMS)
    total = sum(float(data["items"][k]) for k in district_keys)
    assert float(data["score"]) == pytest.approx(float(data["common"]) + min(total, 30))


@pytest.mark.django_db
@pytest.mark.parametrize("code", SAMPLE_CODES)
@pytest.mark.parametrize("row", ADULTS, ids=[r["id_number"] for r in ADULTS])
def test_show_in_a_district_gives_that_district_score(row: dict[str, str], code: str
                                                      ) -> None:
    data = show(row["id_number"], "--district", code)
    assert data["district"] == code
    assert data["score"] == row[f"score_{code}"]
    assert data["common"] == row["common"]


@pytest.mark.django_db
def test_stored_score_names_rule_set_and_keeps_record_ids() -> None:
    row = next(r for r in ADULTS if r["permit"] != "0.00" and r["education"] != "0.00")
    data = show(row["id_number"])
    stored = StoredScore.objects.get(subject_hash=subject_hash(row["id_number"]),
                                     is_current=True)
    assert stored.rule_set_hash == load_profile("ningbo-2021").content_hash
    assert stored.as_of == AS_OF
    assert str(stored.common) == row["common"]
    assert stored.explanation["records"]["permit"] == data["record_ids"]["permit"]
    assert data["record_ids"]["permit"][0].startswith("PSB:")
    assert data["record_ids"]["education"][0].startswith("EDU:")
    assert data["record_ids"]["age"] == []
    # asked again: the stored row answers (no second row)
    show(row["id_number"])
    assert StoredScore.objects.filter(subject_hash=stored.subject_hash).count() == 1


@pytest.mark.django_db
def test_show_text_format_lists_items() -> None:
    row = ADULTS[0]
    out = io.StringIO()
    call_command("scores", "show", row["id_number"], "--as-of", "2026-12-01", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"common {row['common']}" in lines[1]
    permit = next(line for line in lines if line.split()[0] == "permit")
    assert permit.split()[1] == row["permit"]


@pytest.mark.django_db
def test_show_rejects_a_bad_id_number_in_both_languages() -> None:
    with pytest.raises(CommandError) as exc:
        show("320721198303292875")
    assert "校验" in str(exc.value) and "check" in str(exc.value).lower()


@pytest.mark.django_db
def test_show_unknown_person_is_not_found() -> None:
    with pytest.raises(CommandError) as exc:
        show("11010519491231002X")
    assert "不存在" in str(exc.value) and "not found" in str(exc.value)


@pytest.mark.django_db
def test_show_rejects_an_unknown_district() -> None:
    with pytest.raises(CommandError) as exc:
        show(ADULTS[0]["id_number"], "--district", "330299")
    assert "330299" in str(exc.value)
