"""XJM_ENV=production: Django's deployment checks are clean, and a missing secret is an
error at start-up, never a generated default."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest


def _xjm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("XJM_", "DATABASE_URL", "SECRET_KEY", "REDIS_URL", "SMS_"))}
    base.update(env, DJANGO_SETTINGS_MODULE="xinjumin.settings")
    return subprocess.run([sys.executable, "-m", "xinjumin.cli", *args], env=base,
                          capture_output=True, text=True, timeout=120, check=False)


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


PRODUCTION = {
    "XJM_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "XJM_DATA_KEYS": f"k1:{_key()}",
    "XJM_HASH_KEY": _key(),
    "XJM_AUDIT_KEYS": f"a1:{_key()}",
    "DATABASE_URL": "postgres://xjm@db.internal:5432/xinjumin",
    "ALLOWED_HOSTS": "xjm.example.gov.cn",
    # a real gateway: production refuses the local outbox (tests/security/test_login_security)
    "SMS_BACKEND": "tests.security.gateways.OperatorGateway",
    # the data folder must exist in production (a fresh clone has no var/)
    "XJM_VAR_DIR": tempfile.mkdtemp(prefix="xjm-production-var-"),
}


@pytest.mark.slow
def test_deploy_checks_are_clean_in_production() -> None:
    done = _xjm(PRODUCTION, "check", "--deploy")
    assert done.returncode == 0, done.stderr[-1500:]
    assert "no issues" in done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("missing", ["SECRET_KEY", "XJM_DATA_KEYS", "XJM_HASH_KEY",
                                     "XJM_AUDIT_KEYS", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_a_missing_setting_is_an_error_in_production(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    done = _xjm(env, "check")
    assert done.returncode != 0
    assert f"{missing} must be set when XJM_ENV=production" in done.stderr


@pytest.mark.slow
def test_the_local_sms_outbox_is_refused_in_production_even_if_allowed() -> None:
    env = {**PRODUCTION, "SMS_BACKEND": "xinjumin.accounts.sms.LocalOutboxBackend"}
    done = _xjm(env, "check")
    assert done.returncode != 0
    assert "SMS_BACKEND must name a real gateway" in done.stderr
    done = _xjm({**env, "XJM_ALLOW_LOCAL_SMS": "true"}, "check")
    assert done.returncode != 0
    assert "XJM_ALLOW_LOCAL_SMS is not accepted" in done.stderr


@pytest.mark.slow
def test_a_missing_data_folder_is_named_in_production_not_a_database_error() -> None:
    missing = Path(PRODUCTION["XJM_VAR_DIR"]) / "not-there"
    done = _xjm({**PRODUCTION, "XJM_VAR_DIR": str(missing)}, "check")
    assert done.returncode != 0
    assert "XJM_VAR_DIR (the data folder" in done.stderr, done.stderr[-1500:]
    assert str(missing) in done.stderr
    assert "OperationalError" not in done.stderr
    assert not missing.exists()  # named, not made up
