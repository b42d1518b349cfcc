"""Two logins racing with the same code: the conditional UPDATE lets exactly one win.

Both threads are held (through a database execute wrapper, not a mock of our code) just
before their claiming UPDATE, so both have already read the code as unused. PostgreSQL
only: SQLite serialises writers at BEGIN IMMEDIATE, so the race cannot even start there.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection

from xinjumin.accounts.models import User
from xinjumin.accounts.services import sms_code_login, sms_code_request
from xinjumin.accounts.sms import sms_outbox_latest
from xinjumin.core.errors import DomainError
from xinjumin.people.services import resident_create

PHONE = "13500000005"
ADDRESS = "10.0.0.1"


def test_same_code_twice_at_once_logs_in_once(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    resident_create(id_number="11010519491231002X", name="王芳", district="330212",
                    phone=PHONE)
    sms_code_request(address=ADDRESS, phone=PHONE)
    code = re.search(r"(\d{6})", sms_outbox_latest(phone=PHONE)).group(1)
    barrier = threading.Barrier(2, timeout=10)
    results: list[object] = []

    def hold_before_claim(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith('UPDATE "accounts_smscode" SET "used_at"'):
            barrier.wait()
        return execute(sql, params, many, context)

    def attempt() -> None:
        try:
            with connection.execute_wrapper(hold_before_claim):
                results.append(sms_code_login(phone=PHONE, code=code))
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2
    winners = [r for r in results if isinstance(r, User)]
    assert len(winners) == 1 and results.count("sms_code_expired") == 1
    assert User.objects.filter(role="resident").count() == 1
