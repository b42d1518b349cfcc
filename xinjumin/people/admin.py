"""Resident and employer admin: view only, masked values only, scoped by role.

Residents come from accounts.access.residents_in_scope (a clerk sees their district),
opening one goes through access_resident (audited "resident.read"), and changes go
through the services (with their audit events), never through these pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinjumin.accounts.access import (
    access_resident,
    can_read_residents,
    residents_in_scope,
)
from xinjumin.accounts.admin_base import ViewOnlyAdmin
from xinjumin.core.errors import DomainError
from xinjumin.people.models import Employer, Resident
from xinjumin.people.selectors import resident_search


class _ViewOnly(ViewOnlyAdmin):
    may_view = staticmethod(can_read_residents)


@admin.register(Resident)
class ResidentAdmin(_ViewOnly):
    list_display = ("pk", "masked_name", "masked_id_number", "masked_phone", "gender",
                    "district", "street", "registered_on")
    list_filter = ("district",)
    # The search box is answered by resident_search (exact ID/phone through keyed hashes).
    search_fields = ("name",)
    fields = ("masked_name", "masked_id_number", "masked_phone", "gender", "birth_date",
              "district", "street", "unit", "arrived_on", "registered_on")
    readonly_fields = fields
    list_select_related = ("district", "street")

    @admin.display(description="姓名")
    def masked_name(self, obj: Resident) -> str:
        return obj.masked_name

    @admin.display(description="公民身份号码")
    def masked_id_number(self, obj: Resident) -> str:
        return obj.masked_id_number

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Resident) -> str:
        return obj.masked_phone

    def get_queryset(self, request: HttpRequest) -> Any:
        return residents_in_scope(user=request.user)

    def get_search_results(self, request: HttpRequest, queryset: Any,
                           search_term: str) -> tuple[Any, bool]:
        return resident_search(queryset=queryset, q=search_term), False

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        try:
            return access_resident(user=request.user, resident_id=object_id, purpose="admin")
        except DomainError:
            return None


@admin.register(Employer)
class EmployerAdmin(_ViewOnly):
    list_display = ("uscc", "name", "district")
    list_filter = ("district",)
    search_fields = ("=uscc", "name")
    fields = ("uscc", "name", "district")
    readonly_fields = fields
