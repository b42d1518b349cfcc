"""The stored score's readable format (issue #10, `scoring.stored`).

- `rule_set` (a content hash) → `rule_set_hash`, `rule_set_id` (a profile name) →
  `rule_set_profile`; ScoreRun's `rule_set` → `rule_set_hash`.
- items: {"c", "d"} → {"city", "districts"}; explanation: refs, drefs, detail, ddetail,
  reason → records, district_records, details, district_details, minor_reason.

Stored rows are rewritten in chunks by primary key (a city has millions: nightly rows have
no explanation, so most rows only change their items' two keys). Reversible.
"""

from __future__ import annotations

from django.db import migrations

ITEMS = {"c": "city", "d": "districts"}
EXPLANATION = {"refs": "records", "drefs": "district_records", "detail": "details",
               "ddetail": "district_details", "freezes": "freezes",
               "reason": "minor_reason"}
CHUNK = 20_000


def _renamed(data, names):  # type: ignore[no-untyped-def]
    if data is None:
        return None
    return {names.get(k, k): v for k, v in data.items()}


def _rewrite(apps, items_names, explanation_names):  # type: ignore[no-untyped-def]
    StoredScore = apps.get_model("scoring", "StoredScore")
    last = 0
    while True:
        rows = list(StoredScore.objects.filter(pk__gt=last).order_by("pk")
                    .only("pk", "items", "explanation")[:CHUNK])
        if not rows:
            return
        for row in rows:
            row.items = _renamed(row.items, items_names)
            row.explanation = _renamed(row.explanation, explanation_names)
        StoredScore.objects.bulk_update(rows, ["items", "explanation"], batch_size=2_000)
        last = rows[-1].pk


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _rewrite(apps, ITEMS, EXPLANATION)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _rewrite(apps, {v: k for k, v in ITEMS.items()}, {v: k for k, v in EXPLANATION.items()})


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_default_indicator_systems")]

    operations = [
        migrations.RenameField("storedscore", "rule_set", "rule_set_hash"),
        migrations.RenameField("storedscore", "rule_set_id", "rule_set_profile"),
        migrations.RenameField("scorerun", "rule_set", "rule_set_hash"),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
