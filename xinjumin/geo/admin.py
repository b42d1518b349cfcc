"""Geography admin: reference data (domain.md §3), view only, for the system admin (who
runs the system) and the city admin. Districts and streets are loaded by a migration from
fixtures/geography.json; complexes, buildings and units come with the data, never by hand
here (a change here would leave no audit event). No personal data: not audited, refusals
are (accounts.admin_base)."""

from __future__ import annotations

from django.contrib import admin

from xinjumin.accounts.admin_base import ScopedInline, ViewOnlyAdmin, roles
from xinjumin.accounts.roles import Role
from xinjumin.geo.models import Building, Complex, District, Street, Unit


class _Geography(ViewOnlyAdmin):
    may_view = staticmethod(roles(Role.SYSTEM_ADMIN, Role.CITY_ADMIN))
    audited = False


class StreetInline(ScopedInline):
    model = Street


@admin.register(District)
class DistrictAdmin(_Geography):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
    inlines = [StreetInline]


@admin.register(Street)
class StreetAdmin(_Geography):
    list_display = ("code", "name", "district")
    list_filter = ("district",)
    search_fields = ("code", "name")


class BuildingInline(ScopedInline):
    model = Building


@admin.register(Complex)
class ComplexAdmin(_Geography):
    list_display = ("code", "name", "street", "district")
    list_filter = ("district",)
    search_fields = ("code", "name")
    inlines = [BuildingInline]


class UnitInline(ScopedInline):
    model = Unit


@admin.register(Building)
class BuildingAdmin(_Geography):
    list_display = ("__str__", "complex")
    search_fields = ("complex__name", "number")
    inlines = [UnitInline]
