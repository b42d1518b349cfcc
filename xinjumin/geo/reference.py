"""Reference geography loaded from fixtures/geography.json (used by a data migration and
by `xjm load_geography`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "geography.json"


def geography() -> list[dict[str, Any]]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["districts"]


def load_geography(district_model: Any, street_model: Any) -> int:
    """Create or update the ten districts and their streets; returns how many rows changed.

    Takes the model classes so a migration can pass its historical models.
    """
    changed = 0
    for d in geography():
        _, created = district_model.objects.update_or_create(
            code=d["code"], defaults={"name": d["name"], "name_en": d["name_en"]}
        )
        changed += int(created)
        for s in d["streets"]:
            _, created = street_model.objects.update_or_create(
                code=s["code"], defaults={"name": s["name"], "district_id": d["code"]}
            )
            changed += int(created)
    return changed


DISTRICT_CODES = frozenset(d["code"] for d in geography())
