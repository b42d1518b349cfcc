"""Cases (domain.md §7.9): a resident's evidence, objections and requests for a human
review; the reviewers' queues and decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, File, Header, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from xinjumin.accounts.access import access_own_resident, access_refused
from xinjumin.api.auth import PERSON_AUTH, require_power, require_resident
from xinjumin.api.schemas import NO_CONTROL, ErrorOut, d
from xinjumin.cases import machine
from xinjumin.cases.evidence import evidence_add, evidence_open
from xinjumin.cases.models import Case
from xinjumin.cases.selectors import (
    case_actions,
    case_for,
    case_overdue,
    case_queue,
    office_today,
    resident_cases,
    residents_spoken_for,
)
from xinjumin.cases.services import SYSTEM_ROLE, case_act, case_submit
from xinjumin.core.errors import DomainError, NotFound

router = Router(tags=["cases"], auth=PERSON_AUTH)
ID_MAX = 2**63 - 1
_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_FILE = File(..., description=d("PDF、JPEG 或 PNG 文件", "a PDF, JPEG or PNG file"))


class CaseIn(Schema):
    kind: str = Field(description=d("evidence 补充材料 / objection 异议 / review 人工复核",
                                    "evidence, objection or review"), max_length=16)
    department: str = Field(description=d("积分项所属部门代码 (如 HRSS)",
                                          "department owning the item (e.g. HRSS)"),
                            max_length=16)
    item_key: str = Field("", max_length=64, pattern=NO_CONTROL)
    record_source: str = Field("", max_length=16, pattern=NO_CONTROL)
    record_id: str = Field("", max_length=128, pattern=NO_CONTROL)
    statement: str = Field("", description=d("申请说明", "what the resident says"),
                           max_length=2000)


class DecisionIn(Schema):
    record: dict[str, Any] | None = Field(None, description=d(
        "记录类型及字段 (feeds.md), 如 {\"type\": \"diploma\", \"level\": \"bachelor\", "
        "\"issued_on\": \"2015-07-01\"}",
        "the record type and its fields (feeds.md)"))
    disregard_from: dt.date | None = Field(None, description=d(
        "所涉记录自何日起不予采用 (不填: 自始)", "from when the record is set aside (default: "
                                              "always)"))


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    deleted: bool = Field(description=d("结案满 3 年已删除", "deleted 3 years after the case "
                                                          "closed"))


class CaseActIn(Schema):
    action: str = Field(description=d("ask 要求补充材料 / supply 已补充 / accept 采纳 / "
                                      "refuse 不予采纳 / withdraw 撤回",
                                      "ask, supply, accept, refuse or withdraw"),
                        max_length=16)
    reasons: str = Field("", max_length=2000)
    reasons_en: str = Field("", max_length=2000)
    decision: DecisionIn | None = Field(None, description=d(
        "采纳时写入记录的内容 (材料证明的记录; 异议成立时所涉记录自何日起不予采用)",
        "what an acceptance writes into the records (the record the evidence shows; from "
        "when an upheld objection sets the record aside)"))


class CaseEventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    actor_role: str = Field(description=d("办理人角色 (不显示姓名)", "the actor's role, not name"))
    reasons: str
    reasons_en: str


class CaseDeadlineOut(Schema):
    due_on: dt.date
    provisional: bool
    reason: str
    waited_days: int
    set_at: dt.datetime


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    department: str
    item_key: str
    submitted_at: dt.datetime
    assisted: bool
    due_on: dt.date
    due_provisional: bool
    overdue: bool
    decided_at: dt.datetime | None
    decided_by_role: str
    reasons: str
    reasons_en: str
    actions: list[str] = Field(description=d("当前用户可进行的操作", "what the caller may do now"))
    evidence: list[EvidenceOut] | None = None
    events: list[CaseEventOut] | None = None
    deadlines: list[CaseDeadlineOut] | None = None


class QueueOut(Schema):
    counts: dict[str, int]
    total: int
    cases: list[CaseOut]


class QueueQuery(Schema):
    kind: str = Field("", max_length=16, pattern=f"^(|{'|'.join(Case.Kind.values)})$")
    status: str = Field("", max_length=16, pattern=f"^(|{'|'.join(Case.Status.values)})$")
    overdue: bool = False


def case_out(case: Case, user: Any, *, full: bool = False, today: dt.date | None = None,
             spoken_for: set[int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": case.pk, "number": case.number, "kind": case.kind,
        "kind_label": str(Case.Kind(case.kind).label), "status": case.status,
        "status_label": str(Case.Status(case.status).label), "department": case.department,
        "item_key": case.item_key, "submitted_at": case.submitted_at,
        "assisted": case.assisted, "due_on": case.due_on,
        "due_provisional": case.due_provisional, "overdue": case_overdue(case, today),
        "decided_at": case.decided_at,
        "decided_by_role": (case.decided_by.role if case.decided_by
                            else SYSTEM_ROLE if case.decided_at else ""),
        "reasons": case.reasons, "reasons_en": case.reasons_en,
        "actions": case_actions(case, user, spoken_for),
    }
    if full:
        out["evidence"] = [{"id": e.pk, "name": e.name, "content_type": e.content_type,
                            "size": e.size, "uploaded_at": e.uploaded_at,
                            "deleted": e.deleted_at is not None}
                           for e in case.evidence.defer("data")]
        out["events"] = list(case.events.values(
            "at", "action", "from_status", "to_status", "actor_role", "reasons", "reasons_en"))
        out["deadlines"] = list(case.deadlines.values(
            "due_on", "provisional", "reason", "waited_days", "set_at"))
    return out


@router.post("/me", response={201: CaseOut, **_ERRORS},
             summary="提交补充材料、异议或人工复核申请 / Submit evidence, an objection or a "
                     "request for a human review")
def my_case_submit(
    request: HttpRequest, payload: CaseIn,
    idempotency_key: str = Header(
        ..., alias="Idempotency-Key", max_length=64, pattern=NO_CONTROL,
        description=d("客户端请求键 (8–64 位): 重复提交或重试返回同一案件",
                      "the client's request key (8–64 characters): a double tap or a retry "
                      "returns the same case")),
) -> Status:
    """新居民本人提交; 同一请求键只产生一个案件 / The resident submits; one request key makes one
    case."""
    require_resident(request.user)
    resident = access_own_resident(user=request.user)
    if payload.kind not in machine.SUBMITTED_DIRECTLY:
        raise DomainError("invalid", "提交的内容有误, 请按提示修改", "Some fields need correcting",
                          {"kind": "居住证申领请使用 /permits/me/apply / apply for a permit at "
                                   "/permits/me/apply"})
    case = case_submit(kind=payload.kind, resident=resident, by=request.user,
                       client_key=idempotency_key, department=payload.department,
                       item_key=payload.item_key, record_source=payload.record_source,
                       record_id=payload.record_id, statement=payload.statement)
    return Status(201, case_out(case, request.user, full=True))


@router.get("/me", response={200: list[CaseOut], **_ERRORS}, summary="我的案件 / My cases")
def my_cases(request: HttpRequest) -> list[dict[str, Any]]:
    require_resident(request.user)
    resident = access_own_resident(user=request.user)
    today, spoken_for = office_today(), residents_spoken_for(request.user)
    return [case_out(c, request.user, today=today, spoken_for=spoken_for)
            for c in resident_cases(resident)]


@router.get("/queue", response={200: QueueOut, **_ERRORS},
            summary="待办队列 (按期限排序) / My queue, earliest deadline first")
def queue(request: HttpRequest, query: Query[QueueQuery]) -> dict[str, Any]:
    """审核员: 本区县本部门的案件; 窗口与区县管理员: 本区县; 市级管理员: 全市 / Reviewers: their
    department's cases in their district; window staff and district admins: their district's;
    the city admin: all."""
    require_power(request.user, "resident_read")
    today = office_today()
    q = case_queue(user=request.user, kind=query.kind, status=query.status,
                   overdue=query.overdue, today=today)
    return {"counts": q.counts, "total": q.total,
            "cases": [case_out(c, request.user, today=today, spoken_for=set())
                      for c in q.cases]}


def _visible(request: HttpRequest, case_id: int, purpose: str = "case") -> Case:
    """The case, if the caller may see it; else 404 whether or not it exists, the refusal
    audited like any refused read of a resident's data."""
    case = case_for(request.user, case_id)
    if case is None:
        access_refused(user=request.user, requested=f"case:{case_id}", purpose=purpose,
                       reason="scope")
        raise NotFound("案件", "case")
    return case


@router.get("/{case_id}", response={200: CaseOut, **_ERRORS},
            summary="案件详情: 状态、历史、期限、理由 / A case: status, history, deadline, reasons")
def case_detail(request: HttpRequest, case_id: int = Path(..., ge=1, le=ID_MAX)
                ) -> dict[str, Any]:
    return case_out(_visible(request, case_id), request.user, full=True)


@router.post("/{case_id}/act", response={200: CaseOut, **_ERRORS},
             summary="办理一步 (要求补充、补充、采纳、不予采纳、撤回) / Take a step")
def case_step(request: HttpRequest, payload: CaseActIn,
              case_id: int = Path(..., ge=1, le=ID_MAX)) -> dict[str, Any]:
    """两人同时办理同一案件时只有一人成功, 另一人得到 409 case_changed / Of two people acting on
    one case at once, one wins and the other gets 409 case_changed."""
    decision = None
    if payload.decision is not None:
        decision = {k: v for k, v in payload.decision.model_dump(mode="json").items()
                    if v is not None}
    case = case_act(case=_visible(request, case_id, "case_act"), action=payload.action,
                    actor=request.user, reasons=payload.reasons,
                    reasons_en=payload.reasons_en, decision=decision)
    return case_out(case, request.user, full=True)


@router.post("/{case_id}/evidence", response={201: CaseOut, **_ERRORS, 413: ErrorOut,
                                              415: ErrorOut},
             url_name="case_evidence_add",
             summary="提交证明材料 (PDF、JPEG、PNG, 不超过 10 MB) / Add an evidence file")
def evidence_upload(request: HttpRequest, file: UploadedFile = _FILE,
                    case_id: int = Path(..., ge=1, le=ID_MAX)) -> Status:
    """文件类型按内容判断; 加密保存, 仅本人与审核员可查看, 每次查看均记录 / The type is read from
    the content; stored encrypted, shown only to the resident's side and the reviewers, every
    view audited."""
    case = _visible(request, case_id, "case_evidence")
    evidence_add(case=case, by=request.user, name=file.name or "", data=file.read())
    return Status(201, case_out(case, request.user, full=True))


@router.get("/{case_id}/evidence/{evidence_id}", response={200: None, **_ERRORS},
            summary="查看证明材料 (每次查看均记录) / Open an evidence file (audited)")
def evidence_download(request: HttpRequest, case_id: int = Path(..., ge=1, le=ID_MAX),
                      evidence_id: int = Path(..., ge=1, le=ID_MAX)) -> HttpResponse:
    case = _visible(request, case_id, "case_evidence")
    if not case.evidence.filter(pk=evidence_id).exists():
        raise NotFound("材料", "file")
    opened = evidence_open(evidence_id=evidence_id, user=request.user)
    response = HttpResponse(opened.data, content_type=opened.content_type)
    response["Content-Disposition"] = content_disposition_header(False, opened.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
