"""Fixed personas for the web tests (portal, back office, browser).

A family of new residents in 鄞州 330212 (张伟明, his wife 王丽, their daughter 张小雨), one
resident of 海曙 330203 (李海燕), window clerks of 鄞州 and 海曙, an audit admin and a system
admin. Everything is created through the services, as the platform would.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from points.identifiers import id_check_character
from xinjumin.accounts.models import User
from xinjumin.accounts.services import staff_create, staff_totp_device_create
from xinjumin.geo.models import Building, Complex, Street, Unit
from xinjumin.people.models import Resident
from xinjumin.people.services import (
    resident_create,
    resident_link_guardian,
    resident_link_spouse,
)

STAFF_PASSWORD = "Counter-Window-2024!"


def id_number(first17: str) -> str:
    return first17 + id_check_character(first17)


ZHANG_ID = id_number("33021219900315001")   # 鄞州, born 1990-03-15, male
WANG_ID = id_number("41152619920808002")    # born 1992-08-08, female
CHILD_ID = id_number("33021220160601002")   # born 2016-06-01, female
LI_ID = id_number("51012919880722004")      # 海曙, born 1988-07-22, female
NOBODY_ID = id_number("11010519491231012")  # valid, registered by nobody

ZHANG_PHONE = "13800000001"
LI_PHONE = "13900000002"
UNKNOWN_PHONE = "13700000009"


@dataclass
class Staff:
    user: User
    device: TOTPDevice

    def token(self) -> str:
        totp = TOTP(self.device.bin_key, self.device.step, self.device.t0,
                    self.device.digits, self.device.drift)
        totp.time = time.time()
        return f"{totp.token():0{self.device.digits}d}"


@dataclass
class World:
    zhang: Resident
    wang: Resident
    child: Resident
    li: Resident
    clerk_yz: Staff
    clerk_hs: Staff
    auditor: Staff
    sysadmin: Staff


def _staff(username: str, role: str, district: str | None, display_name: str) -> Staff:
    user = staff_create(username=username, password=STAFF_PASSWORD, role=role,
                        district=district, display_name=display_name)
    device, _uri = staff_totp_device_create(user=user)
    return Staff(user=user, device=device)


def build_world() -> World:
    street = Street.objects.get(pk="330212001")
    home = Complex.objects.create(code="YZ-XY-0001", street=street, name="下应新村")
    unit = Unit.objects.create(building=Building.objects.create(complex=home, number="12"),
                               number="301")
    zhang = resident_create(id_number=ZHANG_ID, name="张伟明", district="330212",
                            street="330212001", unit=unit, phone=ZHANG_PHONE,
                            arrived_on=dt.date(2023, 3, 1), registered_on=dt.date(2023, 3, 2))
    wang = resident_create(id_number=WANG_ID, name="王丽", district="330212",
                           street="330212001", unit=unit, arrived_on=dt.date(2023, 3, 1),
                           registered_on=dt.date(2023, 3, 2))
    child = resident_create(id_number=CHILD_ID, name="张小雨", district="330212",
                            street="330212001", unit=unit)
    resident_link_spouse(a=zhang, b=wang, since=dt.date(2015, 5, 1))
    resident_link_guardian(guardian=zhang, child=child, since=dt.date(2016, 6, 1))
    li = resident_create(id_number=LI_ID, name="李海燕", district="330203",
                         street="330203001", phone=LI_PHONE, arrived_on=dt.date(2022, 9, 1),
                         registered_on=dt.date(2022, 9, 3))
    return World(
        zhang=zhang, wang=wang, child=child, li=li,
        clerk_yz=_staff("clerk.yinzhou", "window_staff", "330212", "陈静"),
        clerk_hs=_staff("clerk.haishu", "window_staff", "330203", "周涛"),
        auditor=_staff("auditor", "audit_admin", None, "审计员"),
        sysadmin=_staff("sysadmin", "system_admin", None, "系统管理员"),
    )


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def staff_client(staff: Staff) -> Client:
    """A client whose session is logged in and TOTP-verified (as django_otp.login does)."""
    client = Client()
    client.force_login(staff.user)
    session = client.session
    session["otp_device_id"] = staff.device.persistent_id
    session.save()
    return client
