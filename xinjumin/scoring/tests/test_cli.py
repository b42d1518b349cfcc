"""`xjm indicators publish|compare` and `xjm scores rescore` from the command line."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from points.rules import PROFILES_DIR
from points.tests.samples import AS_OF, expected_rows
from xinjumin.core.errors import DomainError
from xinjumin.scoring.indicators import indicator_compare_enqueue
from xinjumin.scoring.models import IndicatorSystem, StoredScore
from xinjumin.scoring.sources import subject_hash

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("world")  # its city admin publishes
def test_publish_from_the_command_line(tmp_path) -> None:
    text = (PROFILES_DIR / "ningbo-2021.yaml").read_text(encoding="utf-8").replace(
        "id: ningbo-2021", "id: ningbo-2028", 1).replace("cap: 30", "cap: 25", 1)
    path = tmp_path / "v.yaml"
    path.write_text(text, encoding="utf-8")
    run("indicators", "upload", str(path))
    version = IndicatorSystem.objects.get(profile="ningbo-2028")
    start = timezone.localdate() + dt.timedelta(days=7)
    out = run("indicators", "publish", version.content_hash[:12], "--effective-from",
              start.isoformat())
    assert f"effective from {start}" in out
    assert IndicatorSystem.objects.get(pk=version.pk).status == "published"
    with pytest.raises(CommandError) as exc:
        run("indicators", "publish", version.content_hash[:12], "--effective-from",
            (start + dt.timedelta(days=1)).isoformat())
    assert "已发布" in str(exc.value) and "already published" in str(exc.value)


def test_publish_needs_an_admin_of_the_layer(tmp_path) -> None:
    with pytest.raises(CommandError) as exc:
        run("indicators", "publish", str(IndicatorSystem.objects.get(
            profile="zhejiang-2022").pk), "--effective-from", "2030-01-01")
    assert "--as" in str(exc.value)


@pytest.mark.usefixtures("samples")
def test_compare_from_the_command_line_and_queued(world,
                                                 django_capture_on_commit_callbacks) -> None:
    version = IndicatorSystem.objects.get(profile="zhejiang-2022")
    data = json.loads(run("indicators", "compare", str(version.pk), "--as-of",
                          AS_OF.isoformat(), "--format", "json"))
    adults = sum(r["is_minor"] == "false" for r in expected_rows())
    assert data["count"] == adults and data["rule_b"] == "zhejiang-2022"
    IndicatorSystem.objects.filter(pk=version.pk).update(comparison=None)
    with pytest.raises(DomainError) as exc:
        indicator_compare_enqueue(actor=world.users["district_admin_yz"], version=version)
    assert exc.value.code == "forbidden"
    with django_capture_on_commit_callbacks(execute=True):
        indicator_compare_enqueue(actor=world.users["city_admin"], version=version,
                                  as_of=AS_OF)
    stored = IndicatorSystem.objects.get(pk=version.pk).comparison
    assert stored["count"] == adults and stored["as_of"] == AS_OF.isoformat()


@pytest.mark.usefixtures("samples")
def test_rescore_one_resident_from_the_command_line() -> None:
    row = next(r for r in expected_rows() if r["is_minor"] == "false")
    out = run("scores", "rescore", "--id", row["id_number"], "--as-of", AS_OF.isoformat())
    assert out.startswith("stored 1:") and f"common {row['common']}" in out
    stored = StoredScore.objects.get(subject_hash=subject_hash(row["id_number"]),
                                     is_current=True)
    assert stored.source == "event" and str(stored.common) == row["common"]
