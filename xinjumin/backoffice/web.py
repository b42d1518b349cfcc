"""The back office's door keeper and page frame: staff only, password + TOTP verified,
menus by role (三员分立: the audit admin sees only the audit viewer, the system admin sees
no resident data)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from xinjumin.accounts.access import can_read_audit, can_read_residents
from xinjumin.accounts.roles import STAFF_ROLES, Role
from xinjumin.core.web import is_english


def is_verified_staff(user: Any) -> bool:
    """Logged in, a staff role, active, and verified by TOTP in this session."""
    return bool(
        user.is_authenticated and user.is_active and user.role in STAFF_ROLES
        and getattr(user, "is_verified", lambda: False)()
    )


def staff_required(view):  # type: ignore[no-untyped-def]
    """Staff pages: anyone else goes to the staff login; nothing is cached."""

    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if not is_verified_staff(request.user):
            return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))
        return view(request, *args, **kwargs)

    return wrapper


def scope_label(user: Any) -> str:
    """"鄞州区 330212" (and the street), "全市" for the city, "—" for the admins."""
    if user.role == Role.CITY_ADMIN:
        return _("宁波市 (全市)")
    if user.district_id:
        district = user.district
        name = district.name_en if is_english() and district.name_en else district.name
        label = f"{name} {district.code}"
        if user.street_id:
            label += f" · {user.street}"
        return label
    return _("不涉及居民数据")


def menu(user: Any) -> list[dict[str, str]]:
    items = [{"key": "home", "url": reverse("backoffice:home"), "label": _("工作台")}]
    if can_read_residents(user):
        items.append({"key": "cases", "url": reverse("backoffice:cases"),
                      "label": _("待办案件")})
        items.append({"key": "residents", "url": reverse("backoffice:residents"),
                      "label": _("居民查询")})
    if user.role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN):
        items.append({"key": "feeds", "url": reverse("backoffice:feed_upload"),
                      "label": _("数据导入")})
        items.append({"key": "indicators", "url": reverse("backoffice:indicators"),
                      "label": _("指标体系")})
    if can_read_audit(user):
        items.append({"key": "audit", "url": reverse("backoffice:audit"),
                      "label": _("审计日志")})
    return items


def page(request: HttpRequest, template: str, context: dict[str, Any], *, active: str,
         status: int = 200) -> HttpResponse:
    """Render a back-office page with the user's menu and scope."""
    full = {"menu": menu(request.user), "active": active,
            "scope_label": scope_label(request.user), **context}
    response = render(request, template, full, status=status)
    response["Vary"] = "HX-Request, Cookie"
    return response
