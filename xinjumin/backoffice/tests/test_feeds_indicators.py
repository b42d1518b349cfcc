"""Back office, issue #4: feed upload with progress and error report; a resident's
department data and score (scope 404); indicator versions (validation by key path,
compare, publish with a confirm step, who may publish which layer)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

from points.rules import PROFILES_DIR
from points.tests.samples import CSV, INVALID
from tests.personas import ADULT_YZ_ID, PASSWORD, World, staff_client
from xinjumin.accounts.models import User
from xinjumin.accounts.services import staff_create, staff_totp_device_create
from xinjumin.audit.models import AuditEvent
from xinjumin.records.models import ImportBatch, SourceRecord
from xinjumin.records.services import records_ingest
from xinjumin.scoring.models import IndicatorSystem

NINGBO = (PROFILES_DIR / "ningbo-2021.yaml").read_text(encoding="utf-8")


def _admin(username: str, role: str, district: str | None = None) -> User:
    user = staff_create(username=username, password=PASSWORD, role=role,
                        district=district)
    staff_totp_device_create(user=user)
    return user


@pytest.fixture
def city(world: World, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    client = staff_client(_admin("city.admin", "city_admin"))
    client.on_commit = django_capture_on_commit_callbacks
    return client


def _upload(client, path: Path):  # type: ignore[no-untyped-def]
    """Upload; the task queued on commit runs (Huey is immediate in tests)."""
    with path.open("rb") as f, client.on_commit(execute=True):
        response = client.post("/staff/feeds/upload/", {"file": f})
    assert response.status_code == 302, response.content
    return response["Location"]


def test_invalid_file_upload_reports_the_bad_row_and_stores_none_of_it(city):
    status_url = _upload(city, INVALID / "bad_id_check_character.jsonl")
    html = city.get(status_url).content.decode()
    assert "导入完成" in html and "已处理 2 / 2 行" in html
    assert 'hx-trigger="every 1s"' not in html  # done: the polling stops
    batch = ImportBatch.objects.get()
    assert (batch.channel, batch.rejected, batch.created) == ("upload", 1, 1)
    assert set(SourceRecord.objects.values_list("record_id", flat=True)) == {"RR000001"}
    report = city.get(f"/staff/feeds/batches/{batch.pk}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    body = report.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    assert len(rows) == 1 and rows[0]["row"] == "2" and rows[0]["record_id"] == "RR000002"
    assert rows[0]["field"] == "id_number" and rows[0]["message"] and rows[0]["message_en"]
    assert "341221199001010130" not in body  # the ID number is masked in the reason


def test_progress_of_a_good_csv_and_the_polling_partial(city):
    status_url = _upload(city, CSV / "diploma.csv")
    partial = city.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section class="card" id="feed-progress"')
    batch = ImportBatch.objects.get()
    assert batch.rejected == 0 and batch.rows > 0
    assert f"已处理 {batch.rows} / {batch.rows} 行" in partial
    assert re.search(r"新增 <strong>\d+</strong>", partial)
    assert "没有被拒绝的行" in partial


def test_upload_is_for_city_and_district_admins_only(world: World):
    for username in ("system_admin", "window_yz", "audit_admin"):
        assert world.staff_client(username).get("/staff/feeds/upload/").status_code == 404
    district = staff_client(_admin("yz.admin", "district_admin", "330212"))
    html = district.get("/staff/feeds/upload/").content.decode()
    assert 'name="file"' in html and 'href="/staff/feeds/upload/"' in html
    bad = district.post("/staff/feeds/upload/",
                        {"file": io.BytesIO(b"x")}, format="multipart")
    assert bad.status_code == 400 and not ImportBatch.objects.exists()


def _diploma(version: int, level: str) -> dict:
    return {"source": "EDU", "type": "diploma", "record_id": "DIP-ZW", "version": version,
            "id_number": ADULT_YZ_ID, "level": level, "issued_on": "2012-07-01"}


def test_clerk_sees_department_data_with_history_and_other_districts_get_404(world: World):
    records_ingest(rows=[_diploma(1, "junior_college"), _diploma(2, "bachelor")])
    clerk = world.staff_client("window_yz")
    html = clerk.get(f"/staff/residents/{world.adult_yz.pk}/records/").content.decode()
    assert "教育局" in html and "学历" in html and "DIP-ZW" in html
    # every field and code in words, each version with its own values (issue #10)
    assert "v2" in html and "<dt>学历层次</dt><dd>大专(高职)</dd>" in html
    assert "<dt>学历层次</dt><dd>本科</dd>" in html and "<dt>毕业(发证)日期</dt>" in html
    assert "junior_college" not in html and "issued_on" not in html
    assert AuditEvent.objects.filter(action="resident.read", object_id=str(world.adult_yz.pk),
                                     detail__purpose="records").count() == 1
    score = clerk.get(f"/staff/residents/{world.adult_yz.pk}/score/").content.decode()
    assert 'data-item="education"' in score and "<strong>10.00</strong>" in score
    haishu = world.staff_client("window_hs")
    for tab in ("records", "score"):
        response = haishu.get(f"/staff/residents/{world.adult_yz.pk}/{tab}/")
        assert response.status_code == 404 and "DIP-ZW" not in response.content.decode()


def test_bad_yaml_upload_shows_the_key_path(city):
    bad = NINGBO.replace("id: ningbo-2021", "id: broken", 1).replace(
        "base: 5, pivot: 55", "colour: red, pivot: 55", 1)
    response = city.post("/staff/indicators/", {"yaml_text": bad})
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="upload-error"' in html
    assert re.search(r"<dt>items\.age\.measure[.\w]*</dt>", html), html
    assert not IndicatorSystem.objects.filter(profile="broken").exists()


def test_district_admin_cannot_publish_the_city_layer(world: World):
    draft = IndicatorSystem.objects.get(status="draft", layer="city")
    district = staff_client(_admin("yz.admin", "district_admin", "330212"))
    html = district.get(f"/staff/indicators/{draft.pk}/").content.decode()
    assert 'data-testid="not-editable"' in html and "/publish/" not in html
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = district.post(f"/staff/indicators/{draft.pk}/publish/",
                             {"effective_from": tomorrow, "confirm": "1"})
    assert response.status_code == 403 and 'data-testid="publish-error"' in (
        response.content.decode())
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.effective_from is None


def test_city_admin_compares_then_publishes_after_confirming(city):
    draft = IndicatorSystem.objects.get(status="draft", layer="city")
    with city.on_commit(execute=True):
        compared = city.post(f"/staff/indicators/{draft.pk}/compare/")
    assert compared.status_code == 302
    html = city.get(compared["Location"]).content.decode()
    assert 'data-testid="comparison"' in html
    draft.refresh_from_db()
    assert draft.comparison is not None and "by_district" in draft.comparison
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    unconfirmed = city.post(f"/staff/indicators/{draft.pk}/publish/",
                            {"effective_from": tomorrow.isoformat()})
    assert unconfirmed.status_code == 400 and 'id="id_confirm-error"' in (
        unconfirmed.content.decode())
    draft.refresh_from_db()
    assert draft.status == "draft"
    done = city.post(f"/staff/indicators/{draft.pk}/publish/",
                     {"effective_from": tomorrow.isoformat(), "confirm": "1"})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.effective_from) == ("published", tomorrow)
