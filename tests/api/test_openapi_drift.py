"""The committed OpenAPI document (xinjumin/api/openapi.json) matches the live API."""

from __future__ import annotations

import difflib
import json

from tests.client import Client
from xinjumin.api.management.commands.openapi import COMMITTED, openapi_text

REGENERATE = "xjm openapi --write"


def test_committed_openapi_matches_the_live_schema():
    live = openapi_text()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if live != committed:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(keepends=True), live.splitlines(keepends=True),
            "committed", "live", n=1))[:60])
        raise AssertionError(
            f"{COMMITTED.name} differs from the live API; regenerate it with "
            f"`{REGENERATE}` and commit it.\n{diff}")


def test_served_schema_is_the_committed_one(db):
    served = Client().get("/api/v1/openapi.json").json()
    assert served == json.loads(COMMITTED.read_text(encoding="utf-8"))
