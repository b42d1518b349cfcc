"""The fixed demo personas of `make run` (product data; the tests have their own personas,
tests/personas.py, and test these in tests/api/test_demo.py).

Passwords and TOTP secrets are public demo values: `load_demo` and `demo_logins` refuse to
run with XJM_ENV=production.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from points import id_check_character

DEMO_PASSWORD = "Ningbo-Demo-2026!"  # noqa: S105 (a published demo value)
RESIDENT_PHONE = "13800000001"
RESIDENT_NAME = "李明华"
RESIDENT_DISTRICT = "330212"  # 鄞州
RESIDENT_STREET = "330212001"  # 下应街道


def _id(first17: str) -> str:
    return first17 + id_check_character(first17)


# 360426 (Jiangxi) is the place of first registration, not the current home.
RESIDENT_ID_NUMBER = _id("36042619910315017")
SPOUSE = {"name": "王芳", "id_number": _id("36042619920708024"), "phone": "13800000002",
          "married_on": dt.date(2016, 5, 1)}
CHILD = {"name": "李小雨", "id_number": _id("33021220180905026")}


@dataclass(frozen=True)
class StaffPersona:
    username: str
    role: str
    display_name: str
    district: str | None = None

    @property
    def totp_key(self) -> str:
        """The fixed TOTP secret (hex, 20 bytes) of this demo account."""
        return hashlib.sha256(f"xinjumin-demo-totp:{self.username}".encode()).hexdigest()[:40]


STAFF = (
    StaffPersona("yinzhou_clerk", "window_staff", "鄞州窗口 陈静", "330212"),
    StaffPersona("haishu_clerk", "window_staff", "海曙窗口 周杰", "330203"),
    StaffPersona("city_admin", "city_admin", "市级管理员 吴敏"),
    StaffPersona("audit_admin", "audit_admin", "审计管理员 郑华"),
    StaffPersona("system_admin", "system_admin", "系统管理员 孙强"),
    StaffPersona("security_admin", "security_admin", "安全管理员 何丽"),
)
STAFF_BY_USERNAME = {p.username: p for p in STAFF}
