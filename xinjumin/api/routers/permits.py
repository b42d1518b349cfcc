"""Residence permits (domain.md §6): a resident's permits and eligibility, applying, the
annual endorsement. The resident acts for themself (and a guardian for a child); a window
clerk of the district acts for a resident at the counter (recorded as assisted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Path, Router, Schema, Status

from xinjumin.accounts.access import access_own_resident, access_resident
from xinjumin.api.auth import PERSON_AUTH, require_resident
from xinjumin.api.routers.cases import ID_MAX, CaseOut, case_out
from xinjumin.api.schemas import NO_CONTROL, ErrorOut, d
from xinjumin.cases.selectors import office_today
from xinjumin.permits.eligibility import CLAIMS, Condition, Eligibility
from xinjumin.permits.selectors import PermitView, permit_eligibility, permits_of
from xinjumin.permits.services import permit_apply, permit_endorse_apply

router = Router(tags=["permits"], auth=PERSON_AUTH)
_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_KEY = Header(..., alias="Idempotency-Key", max_length=64, pattern=NO_CONTROL,
              description=d("客户端请求键 (8–64 位): 重复提交或重试返回同一案件",
                            "the client's request key (8–64 characters): a double tap or a "
                            "retry returns the same case"))


class PermitOut(Schema):
    permit_no: str
    status: str = Field(description=d("valid 有效 / suspended 已中止 / ended 已终止",
                                      "valid, suspended or ended"))
    district: str
    issued_on: dt.date
    count_start: dt.date = Field(description=d("居住时间起算日", "where residence time counts "
                                                                "from"))
    last_endorsed_on: dt.date | None
    suspended_on: dt.date | None
    ended_on: dt.date | None
    next_anniversary: dt.date
    endorsement_opens: dt.date = Field(description=d("下次签注办理起始日 (周年日前 30 天)",
                                                     "the endorsement window opens (30 days "
                                                     "before the anniversary)"))
    endorsement_due: dt.date
    origin: str = Field(description=d("platform 本平台签发 / psb 公安数据",
                                      "platform (issued here) or psb (a PSB feed)"))
    record: str


class ConditionOut(Schema):
    key: str
    met: bool
    label: str
    label_en: str
    detail: str
    detail_en: str
    records: list[str]
    by_evidence: bool


class EligibilityOut(Schema):
    as_of: dt.date
    eligible: bool
    verifiable: bool = Field(description=d("部门数据可核实全部条件 (可即时发证)",
                                           "department data show every condition (issued at "
                                           "once)"))
    registration: ConditionOut
    grounds: list[ConditionOut] = Field(description=d("就业、住所、就读, 满足其一",
                                                      "employment, residence, study: one"))


class PermitsOut(Schema):
    permits: list[PermitOut] = Field(description=d("最佳者在前", "the best first"))
    eligibility: EligibilityOut


class ApplyIn(Schema):
    claims: list[str] = Field([], max_length=3, description=d(
        "需窗口核验的条件: " + ", ".join(f"{k} {v.zh}" for k, v in CLAIMS.items()),
        "conditions a clerk verifies: " + ", ".join(CLAIMS)))
    statement: str = Field("", max_length=2000)


def _condition(c: Condition) -> dict[str, Any]:
    return {"key": c.key, "met": c.met, "label": c.label.zh, "label_en": c.label.en,
            "detail": c.detail.zh, "detail_en": c.detail.en, "records": list(c.refs),
            "by_evidence": c.by_evidence}


def _eligibility(e: Eligibility) -> dict[str, Any]:
    return {"as_of": e.as_of, "eligible": e.eligible, "verifiable": e.verifiable,
            "registration": _condition(e.registration),
            "grounds": [_condition(g) for g in e.grounds]}


def _permit(v: PermitView) -> dict[str, Any]:
    out = v.as_json()
    return {k: out[k] for k in PermitOut.model_fields}


def _permits(resident: Any) -> dict[str, Any]:
    day = office_today()
    return {"permits": [_permit(v) for v in permits_of(resident.id_number, day)],
            "eligibility": _eligibility(permit_eligibility(resident.id_number, day))}


@router.get("/me", response={200: PermitsOut, **_ERRORS},
            summary="我的居住证与申领条件 / My permits and eligibility")
def my_permits(request: HttpRequest) -> dict[str, Any]:
    require_resident(request.user)
    return _permits(access_own_resident(user=request.user))


@router.get("/residents/{resident_id}", response={200: PermitsOut, **_ERRORS},
            summary="居民的居住证与申领条件 / A resident's permits and eligibility")
def resident_permits(request: HttpRequest,
                     resident_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    """本人、监护人或本区县工作人员 / The resident, a guardian or staff of the district."""
    return _permits(access_resident(user=request.user, resident_id=resident_id,
                                    purpose="permit"))


@router.post("/residents/{resident_id}/apply", response={201: CaseOut, **_ERRORS},
             summary="申领居住证 / Apply for a residence permit")
def apply(request: HttpRequest, payload: ApplyIn,
          resident_id: int = Path(..., ge=1, le=ID_MAX), idempotency_key: str = _KEY) -> Status:
    """部门数据可核实全部条件时即时发证, 否则由公安审核员在 15 日内核验 / Issued at once when
    department data show every condition; else a PSB reviewer verifies within 15 days."""
    resident = access_resident(user=request.user, resident_id=resident_id, purpose="assist")
    case = permit_apply(resident=resident, by=request.user, client_key=idempotency_key,
                        claims=payload.claims, statement=payload.statement)
    return Status(201, case_out(case, request.user, full=True))


@router.post("/residents/{resident_id}/endorse", response={201: CaseOut, **_ERRORS},
             summary="居住证签注 / Endorse the residence permit")
def endorse(request: HttpRequest, payload: ApplyIn,
            resident_id: int = Path(..., ge=1, le=ID_MAX),
            idempotency_key: str = _KEY) -> Status:
    """周年日前 30 天内签注; 逾期签注恢复居住证, 居住时间自签注日重新起算 / In the 30 days before
    the anniversary; a late endorsement restores the permit and residence time counts from
    that day."""
    resident = access_resident(user=request.user, resident_id=resident_id, purpose="assist")
    case = permit_endorse_apply(resident=resident, by=request.user, client_key=idempotency_key,
                                claims=payload.claims, statement=payload.statement)
    return Status(201, case_out(case, request.user, full=True))
