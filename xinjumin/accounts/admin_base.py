"""A view-only Django admin for one kind of reader (三员分立: each administrator sees only
what their role may see, and only after the TOTP check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest

from xinjumin.accounts.access import otp_verified


class ViewOnlyAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes; `may_view(user)` decides who reads."""

    may_view: ClassVar[Callable[[Any], bool]]

    def _reader(self, request: HttpRequest) -> bool:
        return type(self).may_view(request.user) and otp_verified(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._reader(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._reader(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
