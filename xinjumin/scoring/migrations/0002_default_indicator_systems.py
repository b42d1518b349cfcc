"""Reference data: the shipped indicator systems (domain §7.1, §7.6).

ningbo-2021 is published, in force from 2021-09-08; zhejiang-2022 ships as a draft (an
example of a later reform, not in force by default)."""

from __future__ import annotations

import datetime as dt

from django.db import migrations

PROFILES = (("ningbo-2021", "published", dt.date(2021, 9, 8)), ("zhejiang-2022", "draft", None))


def load(apps, schema_editor):  # noqa: ANN001, ANN201
    from points import PROFILES_DIR, load_profile

    IndicatorSystem = apps.get_model("scoring", "IndicatorSystem")
    for name, status, effective in PROFILES:
        rules = load_profile(name)
        IndicatorSystem.objects.update_or_create(
            content_hash=rules.content_hash,
            defaults={"profile": rules.id, "name": rules.name[:128], "layer": "city",
                      "yaml_text": (PROFILES_DIR / f"{name}.yaml").read_text(encoding="utf-8"),
                      "status": status, "effective_from": effective,
                      "validation": {"ok": True, "errors": []}},
        )


def unload(apps, schema_editor):  # noqa: ANN001, ANN201
    from points import load_profile

    IndicatorSystem = apps.get_model("scoring", "IndicatorSystem")
    hashes = [load_profile(name).content_hash for name, _, _ in PROFILES]
    IndicatorSystem.objects.filter(content_hash__in=hashes).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
