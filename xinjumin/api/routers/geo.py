"""Public reference data: districts and their streets, residential complexes, their
buildings and units (domain.md §3) — what a resident chooses a home from."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from xinjumin.api.schemas import NO_CONTROL, DistrictOut, ErrorOut, d
from xinjumin.core.errors import NotFound
from xinjumin.geo.models import Complex, District

router = Router(tags=["geo"])


@router.get("/districts", response=list[DistrictOut], auth=None,
            summary="区县与街道 / Districts and streets")
def districts(request: HttpRequest) -> list[District]:
    """宁波市十个区县及其街道/乡镇 (公开参考数据) / The ten districts of Ningbo with their
    streets and towns (public reference data)."""
    return list(District.objects.prefetch_related("streets").order_by("code"))


COMPLEXES_MAX = 200


class ComplexOut(Schema):
    code: str
    name: str
    district: str
    street: str


class UnitOut(Schema):
    id: int
    number: str


class BuildingOut(Schema):
    number: str
    units: list[UnitOut]


class ComplexUnitsOut(ComplexOut):
    buildings: list[BuildingOut]


class ComplexQuery(Schema):
    district: str = Field("", pattern=r"^(|33\d{4})$")
    street: str = Field("", pattern=r"^(|33\d{7})$")
    contains: str = Field("", max_length=32, pattern=NO_CONTROL,
                          description=d("小区名称包含的文字", "a part of the complex's name"))


@router.get("/complexes", response={200: list[ComplexOut], 400: ErrorOut}, auth=None,
            summary="小区 (按区县、街道、名称) / Residential complexes")
def complexes(request: HttpRequest, query: Query[ComplexQuery]) -> list[dict[str, str]]:
    """至多 200 个, 按编号排序 / At most 200, by code."""
    rows = Complex.objects.all()
    if query.district:
        rows = rows.filter(district_id=query.district)
    if query.street:
        rows = rows.filter(street_id=query.street)
    if query.contains:
        rows = rows.filter(name__contains=query.contains)
    return [{"code": c.code, "name": c.name, "district": c.district_id, "street": c.street_id}
            for c in rows.order_by("code")[:COMPLEXES_MAX]]


@router.get("/complexes/{code}", response={200: ComplexUnitsOut, 400: ErrorOut, 404: ErrorOut},
            auth=None, summary="小区的楼栋与房屋 / A complex's buildings and units")
def complex_units(request: HttpRequest,
                  code: str = Path(..., max_length=64, pattern=NO_CONTROL)) -> dict:
    found = Complex.objects.filter(code=code).prefetch_related("buildings__units").first()
    if found is None:
        raise NotFound("小区", "complex")
    return {"code": found.code, "name": found.name, "district": found.district_id,
            "street": found.street_id,
            "buildings": [{"number": b.number,
                           "units": [{"id": u.pk, "number": u.number} for u in b.units.all()]}
                          for b in found.buildings.all()]}
