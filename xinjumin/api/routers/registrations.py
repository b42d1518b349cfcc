"""Residence registration (来甬登记, domain.md §5): declare, confirm or reject a report,
change address, deregister; employers, landlords, property managers and agencies report
people with their own key; anyone checks a certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Path, Query, Router, Schema, Status

from xinjumin.accounts.access import access_own_resident, access_refused, access_resident
from xinjumin.api.auth import PERSON_AUTH, ReporterKeyAuth, require_resident
from xinjumin.api.models import ReporterKey
from xinjumin.api.routers.cases import ID_MAX
from xinjumin.api.schemas import NO_CONTROL, ErrorOut, d
from xinjumin.cases.selectors import office_today
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.registrations.models import AddressChange, Registration
from xinjumin.registrations.selectors import (
    registration_for,
    registration_verify,
    registrations_of,
)
from xinjumin.registrations.services import (
    DOCUMENTS,
    registration_change,
    registration_confirm,
    registration_declare,
    registration_deregister,
    registration_reject,
    registration_report,
)

router = Router(tags=["registrations"], auth=PERSON_AUTH)
_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_KEY = Header(..., alias="Idempotency-Key", max_length=64, pattern=NO_CONTROL,
              description=d("客户端请求键 (8–64 位): 重复提交或重试只登记一次",
                            "the client's request key (8–64 characters): a double tap or a "
                            "retry registers once"))
_DOCS = ", ".join(f"{k} {v}" for k, v in DOCUMENTS.items())


class HomeOut(Schema):
    district: str
    district_name: str
    street: str
    street_name: str
    complex_code: str
    complex_name: str
    building: str
    unit: str
    unit_id: int


class RegistrationOut(Schema):
    id: int
    number: str = Field(description=d("登记凭证编号", "the certificate number"))
    verification_code: str = Field(description=d("核验码 (凭编号与核验码可公开核验)",
                                                 "the code that, with the number, lets "
                                                 "anyone check it"))
    status: str
    status_label: str
    channel: str
    home: HomeOut
    employer_uscc: str
    arrived_on: dt.date
    registered_on: dt.date | None
    late: bool = Field(description=d("来甬 3 日后申报 (逾期, 已受理)", "declared more than 3 "
                                                                    "days after arrival"))
    reporter_kind: str
    reporter_name: str
    reported_on: dt.date | None
    report_late: bool
    assisted: bool
    ended_on: dt.date | None
    end_reason: str


class DeclareIn(Schema):
    arrived_on: dt.date = Field(description=d("来甬日期", "the day of arrival"))
    unit_id: int = Field(ge=1, le=ID_MAX, description=d("所选房屋 (GET /geo/complexes/{code})",
                                                         "the home chosen"))
    employer_uscc: str = Field("", max_length=18, pattern=NO_CONTROL)
    document: str = Field("", max_length=32, description=d(
        "窗口代办时核验的身份证件: " + _DOCS, "the identity document a clerk checked"))


class ChangeIn(Schema):
    moved_on: dt.date
    unit_id: int = Field(ge=1, le=ID_MAX)
    employer_uscc: str = Field("", max_length=18, pattern=NO_CONTROL)
    document: str = Field("", max_length=32)


class AddressChangeOut(Schema):
    id: int
    moved_on: dt.date
    late: bool = Field(description=d("迁移 10 日后登记", "registered more than 10 days after "
                                                        "the move"))
    registration: RegistrationOut


class DeregisterIn(Schema):
    ended_on: dt.date = Field(description=d("最后有效日", "the last day in force"))
    reason: str = Field(max_length=16, description=d(
        "moved_away 离开本市 / household 落户 / deceased 死亡",
        "moved_away, household or deceased"))


class ReportIn(Schema):
    id_number: str = Field(max_length=18, pattern=NO_CONTROL)
    name: str = Field(max_length=64, pattern=NO_CONTROL)
    arrived_on: dt.date
    unit_id: int = Field(ge=1, le=ID_MAX)
    employer_uscc: str = Field("", max_length=18, pattern=NO_CONTROL)


class ReportOut(Schema):
    id: int
    number: str
    status: str
    report_late: bool = Field(description=d("来甬 3 个工作日后报告", "reported more than 3 "
                                                                  "working days after arrival"))


class VerifyQuery(Schema):
    n: str = Field(max_length=32, pattern=NO_CONTROL, description=d("登记凭证编号",
                                                                    "certificate number"))
    c: str = Field(max_length=8, pattern=NO_CONTROL, description=d("核验码", "verification "
                                                                           "code"))


class VerifyOut(Schema):
    number: str
    in_force: bool
    status: str
    status_label: str
    name: str = Field(description=d("已脱敏", "masked"))
    id_number: str = Field(description=d("已脱敏", "masked"))
    district: str
    street: str
    registered_on: dt.date | None
    ended_on: dt.date | None


def registration_out(reg: Registration) -> dict[str, Any]:
    unit = reg.unit
    building = unit.building
    complex_ = building.complex
    return {
        "id": reg.pk, "number": reg.number, "verification_code": reg.verification_code,
        "status": reg.status, "status_label": str(Registration.Status(reg.status).label),
        "channel": reg.channel,
        "home": {"district": reg.district_id, "district_name": reg.district.name,
                 "street": reg.street_id, "street_name": reg.street.name,
                 "complex_code": complex_.code, "complex_name": complex_.name,
                 "building": building.number, "unit": unit.number, "unit_id": unit.pk},
        "employer_uscc": reg.employer_uscc, "arrived_on": reg.arrived_on,
        "registered_on": reg.registered_on, "late": reg.late,
        "reporter_kind": reg.reporter_kind, "reporter_name": reg.reporter_name,
        "reported_on": reg.reported_on, "report_late": reg.report_late,
        "assisted": reg.assisted, "ended_on": reg.ended_on, "end_reason": reg.end_reason,
    }


def _fresh(reg: Registration) -> Registration:
    return (Registration.objects.select_related("district", "street",
                                                "unit__building__complex")
            .get(pk=reg.pk))


@router.get("/me", response={200: list[RegistrationOut], **_ERRORS},
            summary="我的居住登记 (含待确认的报告) / My registrations (reports to confirm too)")
def my_registrations(request: HttpRequest) -> list[dict[str, Any]]:
    require_resident(request.user)
    return [registration_out(r) for r in registrations_of(
        access_own_resident(user=request.user))]


@router.post("/residents/{resident_id}/declare", response={201: RegistrationOut, **_ERRORS},
             summary="来甬登记 / Declare residence")
def declare(request: HttpRequest, payload: DeclareIn,
            resident_id: int = Path(..., ge=1, le=ID_MAX), idempotency_key: str = _KEY) -> Status:
    """来甬 3 日内申报; 逾期申报予以受理并标注 / Within 3 days of arrival; a later declaration is
    accepted and marked late."""
    resident = access_resident(user=request.user, resident_id=resident_id, purpose="assist")
    reg = registration_declare(resident=resident, by=request.user, client_key=idempotency_key,
                               arrived_on=payload.arrived_on, unit=payload.unit_id,
                               employer_uscc=payload.employer_uscc, document=payload.document)
    return Status(201, registration_out(_fresh(reg)))


def _visible(request: HttpRequest, registration_id: int) -> Registration:
    reg = registration_for(request.user, registration_id)
    if reg is None:
        access_refused(user=request.user, requested=f"registration:{registration_id}",
                       purpose="registration", reason="scope")
        raise NotFound("居住登记", "registration")
    return reg


@router.get("/{int:registration_id}", response={200: RegistrationOut, **_ERRORS},
            summary="一项居住登记 / A registration")
def registration_detail(request: HttpRequest,
                        registration_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    return registration_out(_visible(request, registration_id))


@router.post("/{int:registration_id}/confirm", response={200: RegistrationOut, **_ERRORS},
             summary="确认单位或房东的报告 / Confirm a report")
def confirm(request: HttpRequest,
            registration_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    reg = registration_confirm(registration=_visible(request, registration_id),
                               by=request.user)
    return registration_out(_fresh(reg))


@router.post("/{int:registration_id}/reject", response={200: RegistrationOut, **_ERRORS},
             summary="否认报告 (不是我, 或不住在此) / Reject a report")
def reject(request: HttpRequest,
           registration_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    reg = registration_reject(registration=_visible(request, registration_id),
                              by=request.user)
    return registration_out(_fresh(reg))


@router.post("/residents/{resident_id}/change", response={201: AddressChangeOut, **_ERRORS},
             summary="住所或单位变更 (10 日内) / Change of address or workplace")
def change(request: HttpRequest, payload: ChangeIn,
           resident_id: int = Path(..., ge=1, le=ID_MAX), idempotency_key: str = _KEY) -> Status:
    resident = access_resident(user=request.user, resident_id=resident_id, purpose="assist")
    made: AddressChange = registration_change(
        resident=resident, by=request.user, client_key=idempotency_key,
        moved_on=payload.moved_on, unit=payload.unit_id,
        employer_uscc=payload.employer_uscc, document=payload.document)
    return Status(201, {"id": made.pk, "moved_on": made.moved_on, "late": made.late,
                        "registration": registration_out(_fresh(made.registration))})


@router.post("/residents/{resident_id}/deregister", response={200: RegistrationOut, **_ERRORS},
             summary="注销居住登记 (居住证随之终止) / Deregister (the permit ends too)")
def deregister(request: HttpRequest, payload: DeregisterIn,
               resident_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    resident = access_resident(user=request.user, resident_id=resident_id, purpose="assist")
    reg = registration_deregister(resident=resident, by=request.user,
                                  ended_on=payload.ended_on, reason=payload.reason)
    return registration_out(_fresh(reg))


@router.post("/reports", response={201: ReportOut, **_ERRORS}, auth=[ReporterKeyAuth()],
             summary="单位、房东、物业、中介报告来甬人员 (3 个工作日内) / Report a person housed "
                     "or hired")
def report(request: HttpRequest, payload: ReportIn, idempotency_key: str = _KEY) -> Status:
    """生成待本人确认的登记; 本人确认前不计入 / Makes a pending registration the resident is
    invited to confirm; it counts for nothing until then."""
    key = request.auth
    if not isinstance(key, ReporterKey):
        raise DomainError("forbidden", "只有报告单位密钥可以报告", "only a reporter key may "
                                                                 "report", status=403)
    reg = registration_report(reporter_kind=key.kind, reporter_name=key.name,
                              reporter_uscc=key.uscc, id_number=payload.id_number,
                              name=payload.name, arrived_on=payload.arrived_on,
                              unit=payload.unit_id, employer_uscc=payload.employer_uscc,
                              client_key=idempotency_key, by=f"reporter:{key.prefix}")
    return Status(201, {"id": reg.pk, "number": reg.number, "status": reg.status,
                        "report_late": reg.report_late})


@router.get("/verify", response={200: VerifyOut, 400: ErrorOut, 404: ErrorOut}, auth=None,
            summary="公开核验登记凭证 / Check a registration certificate (public)")
def verify(request: HttpRequest, query: Query[VerifyQuery]) -> Any:
    """凭编号与核验码查询, 仅显示脱敏信息与是否有效 / With the number and the code: masked data
    and whether it is in force."""
    shown = registration_verify(query.n, query.c, office_today())
    if shown is None:
        raise NotFound("登记凭证", "certificate")
    return shown.__dict__
