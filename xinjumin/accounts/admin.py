"""Account admin: the security admin's page (三员分立: nobody else sees it).

Accounts are created with `xjm create_staff` (which also enrols the TOTP device and
prints its QR code); here the security admin changes role, scope and status. Passwords,
superuser status and permissions are not editable here, and nobody deletes an account
(deactivate it instead, so the audit trail keeps its actor).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinjumin.accounts.access import can_manage_accounts, otp_verified
from xinjumin.accounts.forms import StaffChangeForm
from xinjumin.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = StaffChangeForm
    list_display = ("username", "display_name", "role", "district", "street", "is_active",
                    "last_login")
    list_filter = ("role", "district", "is_active")
    search_fields = ("username", "display_name")
    readonly_fields = ("username", "last_login", "date_joined")
    fields = ("username", "display_name", "role", "district", "street", "department",
              "is_active", "last_login", "date_joined")
    ordering = ("username",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_accounts(request.user) and otp_verified(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_accounts(request.user) and otp_verified(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_accounts(request.user) and otp_verified(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("StaffChangeFormFor", (form,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # StaffChangeForm already saved through accounts.services.staff_update (audited).
        pass
