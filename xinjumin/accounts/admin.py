"""Account admin: the security admin's pages (三员分立: nobody else sees them).

Accounts are created with `xjm create_staff` (which also enrols the TOTP device and
prints its QR code); here the security admin changes role, scope and status. Passwords,
superuser status and permissions are not editable here, and nobody deletes an account
(deactivate it instead, so the audit trail keeps its actor). The security admin also
reads the login attempts and lockouts that django-axes records, view only.

Django's groups and django-otp's TOTP devices have no admin page: roles are
accounts.roles, not groups or permissions, and a TOTP secret is never shown again after
enrolment (accounts.admin_base has the table of every model's page).
"""

from __future__ import annotations

from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinjumin.accounts.access import can_manage_accounts
from xinjumin.accounts.admin_base import ScopedAdmin, ViewOnlyAdmin, unregister
from xinjumin.accounts.forms import StaffChangeForm
from xinjumin.accounts.models import User

unregister([Group, TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog])


@admin.register(User)
class UserAdmin(ScopedAdmin):
    may_view = staticmethod(can_manage_accounts)
    may_change = staticmethod(can_manage_accounts)
    form = StaffChangeForm
    list_display = ("username", "display_name", "role", "district", "street", "is_active",
                    "last_login")
    list_filter = ("role", "district", "is_active")
    search_fields = ("username", "display_name")
    readonly_fields = ("username", "last_login", "date_joined")
    fields = ("username", "display_name", "role", "district", "street", "department",
              "is_active", "last_login", "date_joined")
    ordering = ("username",)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("StaffChangeFormFor", (form,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # StaffChangeForm already saved through accounts.services.staff_update (audited).
        pass


class _LoginRecords(ViewOnlyAdmin):
    """Usernames and client addresses of staff logins: the security admin's, view only
    (an account is unlocked by the lockout rules, never by a delete here)."""

    may_view = staticmethod(can_manage_accounts)
    actions = None


@admin.register(AccessAttempt)
class AccessAttemptAdmin(_LoginRecords, axes_admin.AccessAttemptAdmin):
    # Without the form data axes keeps of a failed login (the fields typed in).
    fieldsets = (  # type: ignore[assignment]
        (None, {"fields": ("username", "path_info", "failures_since_start")}),
        (_("Meta Data"), {"fields": ("user_agent", "ip_address", "http_accept")}),
    )


@admin.register(AccessLog)
class AccessLogAdmin(_LoginRecords, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(_LoginRecords, axes_admin.AccessFailureLogAdmin):
    pass
