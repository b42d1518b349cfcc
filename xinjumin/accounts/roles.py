"""Roles of domain.md §2 and what each may do. Data, not scattered if-statements."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("新居民")
    WINDOW_STAFF = "window_staff", _("窗口工作人员")
    REVIEWER = "reviewer", _("部门审核员")
    DISTRICT_ADMIN = "district_admin", _("区县管理员")
    CITY_ADMIN = "city_admin", _("市级管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# Staff who work with residents' personal data, and whether their scope is one district.
RESIDENT_DATA_ROLES = frozenset({Role.WINDOW_STAFF, Role.REVIEWER, Role.DISTRICT_ADMIN,
                                 Role.CITY_ADMIN})
DISTRICT_SCOPED_ROLES = frozenset({Role.WINDOW_STAFF, Role.REVIEWER, Role.DISTRICT_ADMIN})
# 三员分立: the three administrators have separated powers.
SEPARATED_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}

# What each role may do, by permission name. The audit admin reads audit and nothing else;
# the system admin runs the system (geography, configuration) but cannot read audit records
# nor personal data; the security admin manages accounts and roles only.
ROLE_POWERS: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({"own_data"}),
    Role.WINDOW_STAFF: frozenset({"resident_read", "resident_assist"}),
    Role.REVIEWER: frozenset({"resident_read", "review"}),
    Role.DISTRICT_ADMIN: frozenset({"resident_read", "district_config", "district_stats"}),
    Role.CITY_ADMIN: frozenset({"resident_read", "city_config", "city_stats", "district_stats"}),
    Role.SYSTEM_ADMIN: frozenset({"system_config"}),
    Role.SECURITY_ADMIN: frozenset({"manage_accounts"}),
    Role.AUDIT_ADMIN: frozenset({"audit_read"}),
}


def role_can(role: str, power: str) -> bool:
    return power in ROLE_POWERS.get(role, frozenset())
