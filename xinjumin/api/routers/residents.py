"""Residents for staff: search in scope, one resident, the full ID number, registration."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field as F
from ninja import Header, Path, Query, Router, Schema, Status

from xinjumin.accounts.access import (
    access_refused,
    access_resident,
    access_resident_full_id,
    residents_in_scope,
)
from xinjumin.api.auth import PERSON_AUTH, require_power
from xinjumin.api.idempotency import idempotent
from xinjumin.api.presenters import records_history_out, resident_out, score_out
from xinjumin.api.schemas import (
    NO_CONTROL,
    ErrorOut,
    FullIdOut,
    ResidentCreateIn,
    ResidentOut,
    ResidentPageOut,
)
from xinjumin.api.schemas_score import ResidentRecordsOut, ScoreOut, ScoreQuery
from xinjumin.audit.services import audit_record
from xinjumin.core.errors import DomainError
from xinjumin.people import selectors as people
from xinjumin.people import services as people_services
from xinjumin.records.selectors import records_history_for
from xinjumin.scoring.selectors import score_view
from xinjumin.scoring.services import district_code, score_explain

router = Router(tags=["residents"], auth=PERSON_AUTH)

PAGE_SIZE = 20
ID_MAX = 2**63 - 1
_READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ResidentPageQuery(Schema):
    page: int = F(1, ge=1, le=10_000, description="页码 / page number")


class ResidentSearchIn(Schema):
    q: str = F("", max_length=64, pattern=NO_CONTROL,
               description="姓名片段、完整身份证号或手机号 / name part, full ID number or "
                           "mobile number")
    page: int = F(1, ge=1, le=10_000, description="页码 / page number")


def _related(qs):  # type: ignore[no-untyped-def]
    return qs.select_related("district", "street", "unit__building__complex")


def _resident_page(request: HttpRequest, *, q: str, page: int) -> dict[str, Any]:
    user = request.user
    require_power(user, "resident_read")
    qs = people.resident_search(queryset=residents_in_scope(user=user), q=q)
    total = qs.count()
    start = (page - 1) * PAGE_SIZE
    rows = list(_related(qs).order_by("id")[start:start + PAGE_SIZE])
    audit_record(action="resident.search", object_type="resident",
                 detail={"q_given": bool(q), "page": page,
                         "results": len(rows), "ids": [r.pk for r in rows]})
    return {"items": [resident_out(r) for r in rows], "page": page,
            "page_size": PAGE_SIZE, "total": total}


_PAGE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


@router.get("", response={200: ResidentPageOut, **_PAGE_ERRORS},
            summary="辖区居民列表 / Residents in scope")
def resident_list(request: HttpRequest, filters: Query[ResidentPageQuery]) -> dict[str, Any]:
    """本人职责范围 (区县/街道) 内的居民, 分页, 结果脱敏; 按姓名、身份证号或手机号查询请用
    POST /residents/search (查询条件不进网址) / The residents within the caller's scope
    (district/street), a page at a time, masked; to search by name, ID number or phone
    use POST /residents/search, so that the terms never travel in a URL."""
    require_power(request.user, "resident_read")
    if "q" in request.GET:
        raise DomainError(
            "invalid_input", "查询条件不能放在网址中, 请用 POST /residents/search",
            "search terms do not travel in URLs: use POST /residents/search",
            {"q": "请放在 POST /residents/search 的请求体中 / send it in the body of "
                  "POST /residents/search"}, 400)
    return _resident_page(request, q="", page=filters.page)


@router.post("/search", response={200: ResidentPageOut, **_PAGE_ERRORS},
             summary="查询辖区居民 / Search residents in scope")
def resident_search(request: HttpRequest, payload: ResidentSearchIn) -> dict[str, Any]:
    """在本人职责范围 (区县/街道) 内按姓名片段、完整身份证号或手机号查询 (身份证号和手机号精确
    匹配), 结果脱敏; 查询条件在请求体中, 不进网址和访问日志 / Search within the caller's
    scope (district/street) by name part, full ID number or mobile number (the last two
    match exactly); results are masked. The terms travel in the body, never in a URL or an
    access log."""
    return _resident_page(request, q=payload.q.strip(), page=payload.page)


@router.get("/{resident_id}", response={200: ResidentOut, **_READ_ERRORS},
            summary="居民信息 / One resident")
def resident_detail(request: HttpRequest,
                    resident_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    """职责范围内的一位居民 (脱敏); 范围外一律 404 / One resident in scope (masked); outside
    the caller's scope the answer is 404, whether or not the resident exists."""
    resident = access_resident(user=request.user, resident_id=resident_id)
    return resident_out(resident)


@router.get("/{resident_id}/id-number", response={200: FullIdOut, **_READ_ERRORS},
            summary="查看完整身份证号 (审计) / Full ID number (audited)")
def resident_full_id(request: HttpRequest,
                     resident_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    """办理业务需要时查看完整身份证号; 每次查看记入审计 / The full ID number for staff whose
    task needs it; every viewing is audited."""
    resident = access_resident(user=request.user, resident_id=resident_id)
    return {"id": resident.pk,
            "id_number": access_resident_full_id(user=request.user, resident=resident)}


@router.get("/{resident_id}/score", response={200: ScoreOut, **_READ_ERRORS, 409: ErrorOut},
            summary="居民积分及说明 (审计) / A resident's score, explained (audited)")
def resident_score(request: HttpRequest, query: Query[ScoreQuery],
                   resident_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    """职责范围内一位居民的积分及每一项的说明 (与居民本人看到的相同); 查看记入审计, 范围外
    404 / The explained score of a resident in scope (what the resident sees); the read is
    audited, outside the scope the answer is 404."""
    require_power(request.user, "resident_read")
    person = access_resident(user=request.user, resident_id=resident_id, purpose="score")
    district = district_code(query.district)
    explained = score_explain(id_number=person.id_number, as_of=query.as_of)
    return score_out(score_view(explained=explained, district=district,
                                resident_pk=person.pk))


@router.get("/{resident_id}/records", response={200: ResidentRecordsOut, **_READ_ERRORS},
            summary="各部门报送的记录 (审计) / Department records of a resident (audited)")
def resident_records(request: HttpRequest,
                     resident_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    """各部门报送的关于此居民的记录 (本人、配偶、子女), 含历次版本与撤回; 关联人身份证号脱敏;
    查看记入审计, 范围外 404 / What each department has sent about the resident (as the
    subject, spouse or child), with every version and retraction; linked ID numbers
    masked; audited; 404 outside the scope."""
    require_power(request.user, "resident_read")
    history = records_history_for(user=request.user, resident=resident_id)
    return records_history_out(resident_id=resident_id, history=history)


def _district(user: Any, payload: ResidentCreateIn) -> str:
    code = payload.district or user.district_id
    if not code or (user.district_id and code != user.district_id):
        access_refused(user=user, requested=code or "", purpose="resident_create",
                       reason="scope")
        raise DomainError("out_of_scope", "只能为本区县登记居民",
                          "you may register residents in your own district only",
                          {"district": "须为经办人所属区县 / must be your district"}, 403)
    return code


@router.post("", response={201: ResidentOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                           409: ErrorOut},
             summary="登记新居民 (窗口) / Register a resident (window staff)")
def resident_create(
    request: HttpRequest,
    payload: ResidentCreateIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=128, pattern=NO_CONTROL,
        description="幂等键: 同键同内容重放首次结果, 不同内容 409 / the same key and body "
                    "replays the first answer; a different body is a 409"),
) -> Status:
    """窗口工作人员在本区县登记居民; 输入错误按字段返回, 不写入任何数据 / Window staff register
    a resident in their district; bad input comes back per field and writes nothing."""
    user = request.user
    require_power(user, "resident_assist")

    def run() -> tuple[int, Any]:
        resident = people_services.resident_create(
            id_number=payload.id_number, name=payload.name, district=_district(user, payload),
            phone=payload.phone, street=payload.street or None, arrived_on=payload.arrived_on,
            registered_on=payload.registered_on, actor=user)
        return 201, resident_out(resident)

    status, body = idempotent(user=user, operation="resident_create", key=idempotency_key,
                              body=payload.model_dump(mode="json"), run=run)
    return Status(status, body)
