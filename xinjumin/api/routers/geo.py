"""Public reference data: districts and their streets (domain.md §3)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from xinjumin.api.schemas import DistrictOut
from xinjumin.geo.models import District

router = Router(tags=["geo"])


@router.get("/districts", response=list[DistrictOut], auth=None,
            summary="区县与街道 / Districts and streets")
def districts(request: HttpRequest) -> list[District]:
    """宁波市十个区县及其街道/乡镇 (公开参考数据) / The ten districts of Ningbo with their
    streets and towns (public reference data)."""
    return list(District.objects.prefetch_related("streets").order_by("code"))
