"""`xjm load_demo` and `xjm demo_logins`: idempotent demo data, personas where they belong,
ID numbers never in clear in the database, demo credentials refused in production."""

from __future__ import annotations

import re
from base64 import b32encode
from binascii import unhexlify
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.client import Client
from xinjumin.accounts.models import User
from xinjumin.accounts.sms import phone_hash
from xinjumin.audit.models import AuditEvent
from xinjumin.demo import personas
from xinjumin.geo.models import Complex, Unit
from xinjumin.people.models import Guardianship, Marriage, Resident
from xinjumin.people.selectors import resident_by_id_number


def _counts() -> dict[str, int]:
    return {
        "residents": Resident.objects.count(),
        "users": User.objects.count(),
        "guardianships": Guardianship.objects.count(),
        "marriages": Marriage.objects.count(),
        "complexes": Complex.objects.count(),
        "units": Unit.objects.count(),
        "totp": TOTPDevice.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _every_value_in_the_database() -> str:
    """Every column of every table, cast to text with raw SQL (both SQLite and PostgreSQL)."""
    quote = connection.ops.quote_name
    chunks: list[str] = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            columns = [c.name for c in connection.introspection.get_table_description(cur, table)]
            select = ", ".join(f"CAST({quote(c)} AS TEXT)" for c in columns)
            cur.execute(f"SELECT {select} FROM {quote(table)}")  # noqa: S608 (names from introspection)
            chunks.extend(str(v) for row in cur.fetchall() for v in row if v is not None)
    return "\n".join(chunks)


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_keeps_id_numbers_encrypted():
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = _counts()
    assert 195 <= first["residents"] <= 205, first
    assert "200 residents" in out.getvalue() or "residents in total" in out.getvalue()
    by_district = set(Resident.objects.values_list("district_id", flat=True))
    assert len(by_district) == 10
    assert first["marriages"] >= 20 and first["guardianships"] >= 20
    call_command("load_demo", stdout=StringIO())
    again = _counts()
    # The second run writes nothing but the audit event of its (unchanged) record import.
    assert again.pop("audit") == first.pop("audit") + 1
    assert again == first
    assert AuditEvent.objects.order_by("-seq").first().action == "records.import"
    numbers = [r.id_number for r in Resident.objects.all()]
    assert len(set(numbers)) == len(numbers)

    dump = _every_value_in_the_database()
    assert len(dump) > 10_000  # the dump really holds the data
    for number in (personas.RESIDENT_ID_NUMBER, personas.SPOUSE["id_number"],
                   personas.CHILD["id_number"], *numbers[:50]):
        assert number not in dump
    assert personas.RESIDENT_PHONE not in dump


@pytest.mark.django_db
def test_personas_are_in_their_districts():
    call_command("load_demo", "--residents", "3", stdout=StringIO())
    resident = resident_by_id_number(id_number=personas.RESIDENT_ID_NUMBER)
    assert (resident.name, resident.district_id, resident.street_id) == (
        personas.RESIDENT_NAME, "330212", "330212001")
    assert resident.phone_hash == phone_hash(personas.RESIDENT_PHONE)
    assert resident.account.role == "resident"
    expected = {
        "yinzhou_clerk": ("window_staff", "330212"), "haishu_clerk": ("window_staff", "330203"),
        "city_admin": ("city_admin", None), "audit_admin": ("audit_admin", None),
        "system_admin": ("system_admin", None), "security_admin": ("security_admin", None),
    }
    for username, (role, district) in expected.items():
        user = User.objects.get(username=username)
        assert (user.role, user.district_id) == (role, district), username
        assert user.check_password(personas.DEMO_PASSWORD)
        device = TOTPDevice.objects.get(user=user)
        assert device.key == personas.STAFF_BY_USERNAME[username].totp_key


@pytest.mark.django_db
def test_demo_logins_prints_working_totp_codes_and_the_sms_code():
    call_command("load_demo", "--residents", "3", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    row = next(line for line in text.splitlines() if line.startswith("haishu_clerk "))
    code = re.search(r"\s(\d{6})\s+otpauth://", row).group(1)
    device = TOTPDevice.objects.get(user__username="haishu_clerk")
    assert device.verify_token(code)
    secret = b32encode(unhexlify(personas.STAFF_BY_USERNAME["haishu_clerk"].totp_key)).decode()
    assert "otpauth://totp/" in row and f"secret={secret}" in row
    assert personas.RESIDENT_PHONE in text and "/dev/sms-outbox/" in text
    with pytest.raises(CommandError, match="no SMS"):
        call_command("demo_logins", "--sms", personas.RESIDENT_PHONE, stdout=StringIO())
    Client().post("/api/v1/auth/sms-code", {"phone": personas.RESIDENT_PHONE},
                  content_type="application/json")
    sms = StringIO()
    call_command("demo_logins", "--sms", personas.RESIDENT_PHONE, stdout=sms)
    assert re.search(r"验证码为 \d{6}", sms.getvalue())


@pytest.mark.django_db
def test_demo_credentials_are_refused_in_production(settings):
    settings.XJM_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=StringIO())
    with pytest.raises(CommandError, match="production"):
        call_command("demo_logins", stdout=StringIO())
    assert not User.objects.exists() and not Resident.objects.exists()
