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


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A deployment never runs the local SMS outbox: it keeps every login code readable."""
    from django.utils.module_loading import import_string

    from xinjumin.accounts.sms import LocalOutboxBackend

    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError as exc:
        return [Error(f"SMS_BACKEND cannot be imported: {exc}", id="xjm.E011",
                      hint="Set SMS_BACKEND to the dotted path of an SMS gateway class.")]
    if isinstance(backend, type) and issubclass(backend, LocalOutboxBackend):
        return [Error("SMS_BACKEND is the local SMS outbox, which serves every login code",
                      id="xjm.E010",
                      hint="Set SMS_BACKEND to a real SMS gateway for a deployment.")]
    return []
