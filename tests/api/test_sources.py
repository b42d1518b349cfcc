"""Machine clients: API keys of department systems (X-API-Key)."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from tests.api.conftest import API, assert_error
from tests.client import Client
from xinjumin.api.auth import require_record_type
from xinjumin.api.credentials import api_key_create, api_key_resolve
from xinjumin.api.errors import error_body
from xinjumin.api.models import ApiKey
from xinjumin.audit.models import AuditEvent
from xinjumin.core.errors import DomainError


def test_apikey_command_prints_the_key_once_and_stores_its_hash(db):
    out = StringIO()
    call_command("apikey", "create", "--source", "HRSS", "--types",
                 "social_insurance_period,employment", "--name", "人社局社保系统", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    record = ApiKey.objects.get()
    assert key.startswith(f"xjk_{record.prefix}_")
    assert record.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    assert record.record_types == ["employment", "social_insurance_period"]
    with connection.cursor() as cur:
        cur.execute("SELECT name, source, prefix, secret_hash FROM api_apikey")
        assert key not in " ".join(str(v) for v in cur.fetchone())
    assert AuditEvent.objects.filter(action="api_key.create", object_id=str(record.pk)).exists()
    listed = StringIO()
    call_command("apikey", "list", stdout=listed)
    assert record.prefix in listed.getvalue() and key not in listed.getvalue()


def test_a_hrss_key_may_not_claim_edu_types(db):
    with pytest.raises(CommandError, match="diploma"):
        call_command("apikey", "create", "--source", "HRSS", "--types", "diploma",
                     "--name", "x", stdout=StringIO())
    with pytest.raises(DomainError) as caught:
        api_key_create(name="x", source="HRSS", record_types=["employment", "diploma"])
    assert caught.value.code == "record_type_not_allowed" and "types" in caught.value.fields
    assert not ApiKey.objects.exists()


def test_sources_me_returns_the_keys_source_and_types(world, hrss_key):
    response = Client(headers={"X-API-Key": hrss_key}).get(f"{API}/sources/me")
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "HRSS"
    assert body["record_types"] == ["employment", "social_insurance_period"]
    assert ApiKey.objects.get().last_used_at is not None


def test_wrong_disabled_or_missing_key_is_401(world, hrss_key):
    wrong = hrss_key[:-3] + "abc"
    assert_error(Client(headers={"X-API-Key": wrong}).get(f"{API}/sources/me"), 401)
    assert_error(Client().get(f"{API}/sources/me"), 401, "not_authenticated")
    call_command("apikey", "disable", ApiKey.objects.get().prefix, stdout=StringIO())
    disabled = Client(headers={"X-API-Key": hrss_key}).get(f"{API}/sources/me")
    assert_error(disabled, 401)
    # A person's token is not a machine key.
    staff = world.client("city_admin").get(f"{API}/sources/me")
    assert_error(staff, 401)


def test_require_record_type_refuses_types_outside_the_key(world, hrss_key):
    request = RequestFactory().post("/api/v1/feeds")
    request.auth = api_key_resolve(key=hrss_key)
    assert require_record_type(request, "employment") == request.auth
    with pytest.raises(DomainError) as caught:
        require_record_type(request, "diploma")
    error = caught.value
    assert error.status == 403 and error.code == "record_type_not_allowed"
    assert set(error_body(error.code, error.message, error.message_en, error.fields)) == {
        "code", "message", "message_en", "fields"}
    assert "type" in error.fields
