"""Configuration problems reported as Django system checks (style.md: healthchecks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from xinjumin.core import crypto


@register(Tags.security)
def check_data_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    try:
        crypto.current_key_id()
        crypto.keyed_hash("probe", purpose="check")
    except Exception as exc:
        return [Error(f"data encryption keys are not usable: {exc}", id="xjm.E001",
                      hint="Set XJM_DATA_KEYS='k1:<base64 32 bytes>' and XJM_HASH_KEY.")]
    if settings.XJM_DATA_KEYS == settings.XJM_HASH_KEY:
        return [Error("XJM_HASH_KEY must differ from the data keys", id="xjm.E002")]
    return []
