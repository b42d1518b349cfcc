"""What a decision on evidence, an objection or a human review does to the records
(domain.md §9.1) — the one way points change: never by editing a stored score.

- Accepted evidence becomes a record of the owning department's type (source = the case's
  department), record id `XJM-E-<case number>`, with the fields the reviewer read from the
  evidence (`decision["record"]`: {"type": …, field: value, …}), parsed like any row.
- An upheld objection (or review) against a department's record sets that record aside:
  a `record_override` (source XJM, record id `XJM-O-<case number>`, the case named) from
  `decision["disregard_from"]` (default: always); a corrected record may come with it
  (`decision["record"]`, as for evidence).
- A refusal after the case was reopened withdraws the override its earlier acceptance
  wrote.
- When a department sends a new version of a record a decision set aside, the override
  stays and the case goes back to a reviewer (`case_reopen`, from records_changed).

Run inside the decision's transaction (cases.services.ON_ACCEPT / ON_REFUSE): a row the
parser rejects raises a field-level error and undoes the decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from points import PLATFORM_SOURCE, TYPES_BY_SOURCE
from xinjumin.audit.services import audit_record
from xinjumin.cases import machine
from xinjumin.cases.models import Case, CaseDeadline, CaseEvent
from xinjumin.cases.selectors import working_calendar
from xinjumin.core.errors import DomainError
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_ingest

ALWAYS = "1900-01-01"  # an override from the earliest date feeds.md allows: never counted
REOPEN_REASONS = ("部门报送了所涉记录的新版本, 原决定继续有效, 请重新审核",
                  "the department sent a new version of the record: the decision stands "
                  "until it is reviewed again")


def evidence_record_id(case: Case) -> str:
    return f"XJM-E-{case.number}"


def override_record_id(case: Case) -> str:
    return f"XJM-O-{case.number}"


def _invalid(fields: dict[str, str]) -> DomainError:
    return DomainError("invalid", "决定的内容有误, 请按提示修改", "The decision needs correcting",
                       fields)


def _ingest(rows: list[dict[str, Any]], actor: Any) -> None:
    """The platform's rows, each of which must apply; a rejected row's reasons become the
    decision's field errors (record.<field>)."""
    _, outcomes = records_ingest(rows=rows, channel="api", actor=actor)
    fields: dict[str, str] = {}
    for o in outcomes:
        if o["outcome"] in ("created", "updated", "unchanged", "retracted"):
            continue
        for e in o["errors"] or [{"field": "record", "message": o["outcome"],
                                  "message_en": o["outcome"]}]:
            fields[f"record.{e['field'] or 'record'}"] = f"{e['message']} / {e['message_en']}"
    if fields:
        raise _invalid(fields)


def _record_row(case: Case, decision: dict[str, Any]) -> dict[str, Any] | None:
    record = decision.get("record")
    if record is None:
        return None
    if not isinstance(record, dict) or record.get("type") not in TYPES_BY_SOURCE.get(
            case.department, ()):
        allowed = ", ".join(TYPES_BY_SOURCE.get(case.department, ()))
        raise _invalid({"record.type": f"{case.department} 的记录类型应为 / a record type of "
                                       f"{case.department}: {allowed}"})
    reserved = {"source", "record_id", "version", "op", "id_number"} & set(record)
    if reserved:
        raise _invalid({f"record.{sorted(reserved)[0]}": "由平台填写 / set by the platform"})
    return {"source": case.department, "record_id": evidence_record_id(case), "version": 1,
            "id_number": case.resident.id_number, **record}


def on_evidence_accepted(case: Case, actor: Any, now: dt.datetime) -> None:
    decision = case.detail.get("decision") or {}
    row = _record_row(case, decision)
    if row is None:
        raise _invalid({"record": "采纳材料须写明其证明的记录 (类型与内容) / say which record the "
                                  "evidence shows (type and fields)"})
    _ingest([row], actor)
    audit_record(action="case.record_written", object_type="case", object_id=case.pk,
                 actor=actor, detail={"number": case.number,
                                      "record": f"{row['source']}:{row['record_id']}"})


def on_objection_accepted(case: Case, actor: Any, now: dt.datetime) -> None:
    decision = case.detail.get("decision") or {}
    rows: list[dict[str, Any]] = []
    if case.record_source and case.record_id:
        since = decision.get("disregard_from") or ALWAYS
        rows.append({"source": PLATFORM_SOURCE, "type": "record_override",
                     "record_id": override_record_id(case), "version": _next_version(case),
                     "id_number": case.resident.id_number,
                     "target_source": case.record_source,
                     "target_record_id": case.record_id, "effect": "disregard",
                     "from": since, "case_no": case.number})
    corrected = _record_row(case, decision)
    if corrected is not None:
        rows.append(corrected)
    if rows:
        _ingest(rows, actor)
        audit_record(action="case.record_written", object_type="case", object_id=case.pk,
                     actor=actor, detail={"number": case.number, "records": len(rows)})


def _next_version(case: Case) -> int:
    """The override's next version (after a reopened case's refusal retracted it)."""
    current = SourceRecord.objects.filter(source=PLATFORM_SOURCE,
                                          record_id=override_record_id(case)).first()
    if current is None:
        return 1
    return current.version + (1 if current.op == "retract" else 0)


def on_objection_refused(case: Case, actor: Any, now: dt.datetime) -> None:
    """A reopened case refused: the override its earlier acceptance wrote is withdrawn."""
    current = SourceRecord.objects.filter(source=PLATFORM_SOURCE, op="upsert",
                                          record_id=override_record_id(case)).first()
    if current is None:
        return
    _ingest([{"source": PLATFORM_SOURCE, "type": "record_override", "op": "retract",
              "record_id": current.record_id, "version": current.version + 1,
              "id_number": case.resident.id_number}], actor)
    audit_record(action="case.record_withdrawn", object_type="case", object_id=case.pk,
                 actor=actor, detail={"number": case.number})


def case_reopen(*, keys: Iterable[tuple[str, str]], now: dt.datetime | None = None
                ) -> list[Case]:
    """The accepted objections and reviews that set one of these records aside go back to
    a reviewer: open again, a new deadline from now (reason "reopened"), the override
    kept until the reviewer decides again. Audited "case.reopen"."""
    from xinjumin.cases.services import case_deadline

    now = now or timezone.now()
    keys = set(keys)
    if not keys:
        return []
    reopened = []
    ids = {rid for _, rid in keys}
    candidates = Case.objects.filter(status=Case.Status.ACCEPTED, record_id__in=ids,
                                     kind__in=(Case.Kind.OBJECTION, Case.Kind.REVIEW))
    for case in candidates:
        if (case.record_source, case.record_id) not in keys:
            continue
        step = machine.step(case.kind, case.status, machine.Action.REOPEN)
        assert step is not None
        deadline = case_deadline(case.kind, now, working_calendar())
        with transaction.atomic():
            won = Case.objects.filter(pk=case.pk, status=step.from_status).update(
                status=step.to_status, due_on=deadline.due_on,
                due_provisional=deadline.provisional, closed_at=None, decided_at=None,
                decided_by=None, submitted_at=now, waited_days=0, updated_at=now)
            if not won:
                continue
            CaseDeadline.objects.create(case=case, due_on=deadline.due_on,
                                        provisional=deadline.provisional,
                                        reason=CaseDeadline.Reason.REOPENED, set_at=now)
            CaseEvent.objects.create(case=case, at=now, action=step.action,
                                     from_status=step.from_status, to_status=step.to_status,
                                     actor=None, actor_role="system",
                                     reasons=REOPEN_REASONS[0], reasons_en=REOPEN_REASONS[1])
            audit_record(action="case.reopen", object_type="case", object_id=case.pk,
                         actor="system", detail={"number": case.number,
                                                 "record": f"{case.record_source}:"
                                                           f"{case.record_id}"})
        reopened.append(case)
    return reopened
