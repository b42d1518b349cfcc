"""Resident and employer admin: view only, masked values only, scoped by role.

Open to the district admin (their district, or street) and the city admin; window staff
and reviewers read residents in the back office (accounts.admin_base has the table).
Residents come from accounts.access.residents_in_scope, opening one goes through
access_resident (audited "resident.read", a refusal "resident.read_refused"), lists,
searches and views are "admin.*" audit events (accounts.admin_base), and changes go
through the services (with their audit events), never through these pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xinjumin.accounts.access import access_resident, residents_in_scope
from xinjumin.accounts.admin_base import ViewOnlyAdmin, roles
from xinjumin.accounts.roles import Role
from xinjumin.core.errors import DomainError
from xinjumin.people.models import Employer, Resident
from xinjumin.people.selectors import resident_search


@admin.register(Resident)
class ResidentAdmin(ViewOnlyAdmin):
    may_view = staticmethod(roles(Role.DISTRICT_ADMIN, Role.CITY_ADMIN))
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

    def scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset & residents_in_scope(user=user)

    def get_search_results(self, request: HttpRequest, queryset: Any,
                           search_term: str) -> tuple[Any, bool]:
        return resident_search(queryset=queryset, q=search_term), False

    def scoped_object(self, request: HttpRequest, object_id: str,
                      from_field: str | None = None) -> Any:
        if from_field not in (None, "id"):
            return None
        try:
            return access_resident(user=request.user, resident_id=object_id, purpose="admin")
        except DomainError:
            return None


@admin.register(Employer)
class EmployerAdmin(ViewOnlyAdmin):
    may_view = staticmethod(roles(Role.CITY_ADMIN))
    list_display = ("uscc", "name", "district")
    list_filter = ("district",)
    search_fields = ("=uscc", "name")
    fields = ("uscc", "name", "district")
    readonly_fields = fields
