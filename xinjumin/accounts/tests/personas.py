"""Fixed personas for the identity tests (style.md: fixed personas, no random data).

Two districts: 鄞州 330212 ("own" district of the district-scoped staff personas) and
海曙 330203 ("other" district). Import the fixtures into a test package's conftest.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from points.identifiers import id_check_character
from xinjumin.accounts.models import User
from xinjumin.accounts.services import resident_account_for, staff_create, staff_totp_device_create
from xinjumin.people.models import Resident
from xinjumin.people.services import resident_create, resident_link_guardian

YINZHOU, HAISHU = "330212", "330203"
PASSWORD = "Ningbo-Window-2026!"


def id_number(first17: str) -> str:
    """A valid 18-character ID number from its first 17 digits."""
    return first17 + id_check_character(first17)


ADULT_YZ_ID = id_number("33020419850310123")   # 张伟, male, born 1985-03-10
CHILD_YZ_ID = id_number("33021220150501124")   # 张小雨, female, born 2015-05-01
ADULT_HS_ID = id_number("36042619910101007")   # 李娜, born 1991-01-01
ADULT_YZ_PHONE, ADULT_HS_PHONE = "13800000001", "13900000002"


@dataclass
class World:
    adult_yz: Resident
    child_yz: Resident
    adult_hs: Resident
    users: dict[str, User]


STAFF = {
    "window_yz": ("window_staff", YINZHOU, None),
    "reviewer_yz": ("reviewer", YINZHOU, None),
    "district_admin_yz": ("district_admin", YINZHOU, None),
    "street_clerk_yz": ("window_staff", YINZHOU, "330212002"),
    "window_hs": ("window_staff", HAISHU, None),
    "city_admin": ("city_admin", None, None),
    "system_admin": ("system_admin", None, None),
    "security_admin": ("security_admin", None, None),
    "audit_admin": ("audit_admin", None, None),
}


def make_staff(name: str) -> User:
    role, district, street = STAFF[name]
    user = staff_create(username=name, password=PASSWORD, role=role, district=district,
                        street=street, department="HRSS" if role == "reviewer" else "",
                        actor="test-setup")
    staff_totp_device_create(user=user, actor="test-setup")
    return user


def current_token(user: User) -> str:
    device = user.totpdevice_set.get()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def staff_login(client: Any, user: User) -> None:
    """Log `client` in as a staff user who passed the TOTP check (django-otp session)."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
    session.save()


def login_request(username: str = "window_yz") -> Any:
    return RequestFactory().post("/staff/login/", {"username": username},
                                 REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")


@pytest.fixture
def world(db: Any) -> World:
    adult_yz = resident_create(id_number=ADULT_YZ_ID, name="张伟", district=YINZHOU,
                               street="330212001", phone=ADULT_YZ_PHONE,
                               registered_on=dt.date(2019, 6, 20), actor="test-setup")
    child_yz = resident_create(id_number=CHILD_YZ_ID, name="张小雨", district=YINZHOU,
                               street="330212001", actor="test-setup")
    adult_hs = resident_create(id_number=ADULT_HS_ID, name="李娜", district=HAISHU,
                               street="330203001", phone=ADULT_HS_PHONE, actor="test-setup")
    resident_link_guardian(guardian=adult_yz, child=child_yz, since=dt.date(2015, 5, 1),
                           actor="test-setup")
    users = {name: make_staff(name) for name in STAFF}
    users["resident_yz"] = resident_account_for(adult_yz)
    users["resident_hs"] = resident_account_for(adult_hs)
    return World(adult_yz, child_yz, adult_hs, users)
