"""Department systems (machine clients, X-API-Key)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from xinjumin.api.auth import MACHINE_AUTH
from xinjumin.api.schemas import ErrorOut, SourceOut

router = Router(tags=["sources"], auth=MACHINE_AUTH)


@router.get("/me", response={200: SourceOut, 401: ErrorOut},
            summary="本密钥的来源部门与记录类型 / This key's source and record types")
def source_me(request: HttpRequest) -> dict[str, object]:
    """调用方接口密钥所属部门及其可发送的记录类型 / The calling key's source department and
    the record types it may send (the ingestion endpoint comes with issue #4)."""
    key = request.auth  # type: ignore[attr-defined]
    return {"name": key.name, "source": key.source, "record_types": key.record_types,
            "prefix": key.prefix}
