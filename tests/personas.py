"""The fixed personas of every test (style.md: fixed personas, no random data).

One cast, made through the services as the platform would make them:

- in 鄞州 330212 (下应街道 330212001, 下应新村 12-301) a family of new residents: 张伟明
  (ADULT_YZ), his wife 王丽 (SPOUSE_YZ) and their daughter 张小雨 (CHILD_YZ, a minor);
- in 海曙 330203 (330203001) 李海燕 (ADULT_HS);
- staff of every role (STAFF): window clerks of 鄞州 and 海曙, a street-scoped clerk, two
  reviewers (HRSS), a PSB reviewer and a district admin of 鄞州, a district admin of 宁海
  330226 (a district with its own layer of the indicator system), the city admin and the
  three separated admins (三员分立), each with a TOTP device and the password PASSWORD;
- the residents' own accounts (users "resident_yz", "resident_hs").

The root conftest.py makes `world` (a World) a fixture of the whole suite; the browser tests
build it with build_world() on their transactional database. The demo data of `make run`
(xinjumin.demo) are product data, tested as such (tests/api/test_demo.py), not personas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from points.identifiers import id_check_character
from tests.client import Client
from xinjumin.accounts.models import User
from xinjumin.accounts.services import resident_account_for, staff_create, staff_totp_device_create
from xinjumin.api.credentials import api_token_issue
from xinjumin.geo.models import Building, Complex, Street, Unit
from xinjumin.people.models import Resident
from xinjumin.people.services import resident_create, resident_link_guardian, resident_link_spouse

YINZHOU, HAISHU, NINGHAI = "330212", "330203", "330226"
PASSWORD = "Ningbo-Window-2026!"


def id_number(first17: str) -> str:
    """A valid 18-character ID number from its first 17 digits."""
    return first17 + id_check_character(first17)


ADULT_YZ_ID = id_number("33021219900315001")   # 张伟明, male, born 1990-03-15
SPOUSE_YZ_ID = id_number("41152619920808002")  # 王丽, female, born 1992-08-08
CHILD_YZ_ID = id_number("33021220160601002")   # 张小雨, female, born 2016-06-01
ADULT_HS_ID = id_number("51012919880722004")   # 李海燕, female, born 1988-07-22
NOBODY_ID = id_number("11010519491231012")     # valid, registered by nobody
ADULT_YZ_PHONE, ADULT_HS_PHONE = "13800000001", "13900000002"
UNKNOWN_PHONE = "13700000009"                  # nobody's

# username: (role, district, street, display name)
STAFF: dict[str, tuple[str, str | None, str | None, str]] = {
    "window_yz": ("window_staff", YINZHOU, None, "陈静"),
    "reviewer_yz": ("reviewer", YINZHOU, None, "审核员 林芳"),
    "reviewer2_yz": ("reviewer", YINZHOU, None, "审核员 郑军"),
    "psb_reviewer_yz": ("reviewer", YINZHOU, None, "公安审核员 赵磊"),
    "district_admin_yz": ("district_admin", YINZHOU, None, "区管理员 王强"),
    "street_clerk_yz": ("window_staff", YINZHOU, "330212002", "街道窗口 刘洋"),
    "district_admin_nh": ("district_admin", NINGHAI, None, "宁海区管理员 陈刚"),
    "window_hs": ("window_staff", HAISHU, None, "周涛"),
    "city_admin": ("city_admin", None, None, "市级管理员 吴敏"),
    "system_admin": ("system_admin", None, None, "系统管理员"),
    "security_admin": ("security_admin", None, None, "安全管理员"),
    "audit_admin": ("audit_admin", None, None, "审计员"),
}


def current_token(user: User) -> str:
    """The staff user's TOTP code now."""
    device = user.totpdevice_set.get()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def staff_login(client: Any, user: User) -> None:
    """Log `client` in as a staff user who passed the TOTP check (django-otp session)."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
    session.save()


def staff_client(user: User) -> Client:
    """A client whose session is logged in and TOTP-verified (as django_otp.login does)."""
    client = Client()
    staff_login(client, user)
    return client


def login_request(username: str = "window_yz") -> Any:
    return RequestFactory().post("/staff/login/", {"username": username},
                                 REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")


# the department of each reviewer (HRSS unless named here)
DEPARTMENTS = {"psb_reviewer_yz": "PSB"}


def make_staff(username: str) -> User:
    """One of STAFF, with its TOTP device."""
    role, district, street, display_name = STAFF[username]
    department = DEPARTMENTS.get(username, "HRSS") if role == "reviewer" else ""
    user = staff_create(username=username, password=PASSWORD, role=role, district=district,
                        street=street, department=department,
                        display_name=display_name, actor="test-setup")
    staff_totp_device_create(user=user, actor="test-setup")
    return user


@dataclass
class World:
    adult_yz: Resident
    spouse_yz: Resident
    child_yz: Resident
    adult_hs: Resident
    users: dict[str, User]

    def token(self, username: str) -> str:
        """A new API bearer token of that persona (staff or resident)."""
        user = self.users[username]
        return api_token_issue(user=user, kind="resident" if user.is_resident else "staff").token

    def client(self, username: str | None = None, **headers: Any) -> Client:
        """An API client; with a username, it sends that persona's bearer token."""
        if username is not None:
            headers["Authorization"] = f"Bearer {self.token(username)}"
        return Client(headers=headers)

    def staff_client(self, username: str) -> Client:
        """A browser session of that staff persona, TOTP-verified."""
        return staff_client(self.users[username])


def build_world() -> World:
    street = Street.objects.get(pk="330212001")
    home = Complex.objects.create(code="YZ-XY-0001", street=street, name="下应新村")
    unit = Unit.objects.create(building=Building.objects.create(complex=home, number="12"),
                               number="301")
    adult_yz = resident_create(id_number=ADULT_YZ_ID, name="张伟明", district=YINZHOU,
                               street="330212001", unit=unit, phone=ADULT_YZ_PHONE,
                               arrived_on=dt.date(2023, 3, 1), registered_on=dt.date(2023, 3, 2),
                               actor="test-setup")
    spouse_yz = resident_create(id_number=SPOUSE_YZ_ID, name="王丽", district=YINZHOU,
                                street="330212001", unit=unit, arrived_on=dt.date(2023, 3, 1),
                                registered_on=dt.date(2023, 3, 2), actor="test-setup")
    child_yz = resident_create(id_number=CHILD_YZ_ID, name="张小雨", district=YINZHOU,
                               street="330212001", unit=unit, actor="test-setup")
    adult_hs = resident_create(id_number=ADULT_HS_ID, name="李海燕", district=HAISHU,
                               street="330203001", phone=ADULT_HS_PHONE,
                               arrived_on=dt.date(2022, 9, 1), registered_on=dt.date(2022, 9, 3),
                               actor="test-setup")
    resident_link_spouse(a=adult_yz, b=spouse_yz, since=dt.date(2015, 5, 1), actor="test-setup")
    resident_link_guardian(guardian=adult_yz, child=child_yz, since=dt.date(2016, 6, 1),
                           actor="test-setup")
    users = {username: make_staff(username) for username in STAFF}
    users["resident_yz"] = resident_account_for(adult_yz)
    users["resident_hs"] = resident_account_for(adult_hs)
    return World(adult_yz, spouse_yz, child_yz, adult_hs, users)
