from django.contrib import admin

from xinjumin.geo.models import Building, Complex, District, Street, Unit


class StreetInline(admin.TabularInline):
    model = Street
    extra = 0


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
    inlines = [StreetInline]


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district")
    list_filter = ("district",)
    search_fields = ("code", "name")


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0


@admin.register(Complex)
class ComplexAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "street", "district")
    list_filter = ("district",)
    search_fields = ("code", "name")
    autocomplete_fields = ("street",)
    exclude = ("district",)
    inlines = [BuildingInline]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "complex")
    search_fields = ("complex__name", "number")
    autocomplete_fields = ("complex",)
    inlines = [UnitInline]
