"""Services for residence permits (domain.md §6): apply, issue, endorse, the daily
suspension job. Each owns its transaction and its audit event.

A permit lives in records, the one way points are computed (domain.md §9.1): a permit
issued on the platform is a `residence_permit` record of source PSB with record id
`XJM-P-<permit_no>`, written through the same ingestion as a department's; endorsing or
suspending it writes its next version. A permit received from a PSB feed that the
platform endorses or suspends is continued by a record `XJM-C-<the PSB record's id>` with
the same `permit_no` (one continuation per PSB record, whatever the permit numbers), and the
PSB record is set aside from that day by a `record_override` (source XJM, record id
`XJM-O-…`), so the engine reads one permit, never both.

An application and an endorsement are cases (kinds `permit`, `endorsement`, department
PSB): decided at once by the platform when department data show every condition, else by
a PSB reviewer of the district who verifies the evidence claimed (study, investor,
recruited talent); accepting one issues or endorses (cases.services.ON_ACCEPT). The case's
client key makes a double tap one case and one permit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinjumin.audit.services import audit_record
from xinjumin.cases.models import Case
from xinjumin.cases.selectors import acts_for, office_today
from xinjumin.cases.services import ON_ACCEPT, case_submit
from xinjumin.core.errors import DomainError
from xinjumin.permits import reading
from xinjumin.permits.eligibility import CLAIMS, Eligibility
from xinjumin.permits.reading import Endorsement, PermitDates, Status
from xinjumin.permits.selectors import (
    PermitView,
    holds_permit,
    permit_eligibility,
    permits_of,
    records_in_force,
)
from xinjumin.records.services import records_ingest

log = logging.getLogger(__name__)

PERMIT_PREFIX = "XJM-P-"
CONTINUATION_PREFIX = "XJM-C-"
OVERRIDE_PREFIX = "XJM-O-"
RECORD_ID_MAX = 64
NUMBER_TRIES = 5
APPLIED_OUTCOMES = frozenset({"created", "updated", "unchanged"})
DAILY_CHUNK = 5000  # rows per ingestion chunk


def _invalid(fields: dict[str, str]) -> DomainError:
    return DomainError("invalid", "提交的内容有误, 请按提示修改", "Some fields need correcting",
                       fields)


def _platform_id(prefix: str, key: str) -> str:
    """A platform record id (≤ 64 characters: a long key is replaced by its hash)."""
    rid = prefix + key
    if len(rid) <= RECORD_ID_MAX:
        return rid
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:32]


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def permit_rows(*, view: PermitView, new: PermitDates, id_number: str, effective: dt.date,
                case_no: str) -> list[dict[str, Any]]:
    """The records that put `new` in place of the permit `view` reads: the next version of
    the platform's own record; or, for a PSB feed's permit, an `XJM-C-` continuation and an
    override that sets the PSB record aside from `effective` (the first day the two
    differ)."""
    fields = {"permit_no": view.permit_no, "district": view.district,
              "issued_on": _iso(new.issued_on), "count_start": _iso(new.count_start),
              "last_endorsed_on": _iso(new.last_endorsed_on),
              "suspended_on": _iso(new.suspended_on), "ended_on": _iso(new.ended_on)}
    fields = {k: v for k, v in fields.items() if v is not None}
    record = view.record
    if view.origin == "platform":
        return [{"source": "PSB", "type": "residence_permit", "record_id": record.record_id,
                 "version": record.version + 1, "id_number": id_number, **fields}]
    target = f"{record.source}-{record.record_id}"
    return [
        {"source": "PSB", "type": "residence_permit",
         "record_id": _platform_id(CONTINUATION_PREFIX, record.record_id), "version": 1,
         "id_number": id_number, **fields},
        {"source": "XJM", "type": "record_override",
         "record_id": _platform_id(OVERRIDE_PREFIX, target), "version": 1,
         "id_number": id_number, "target_source": record.source,
         "target_record_id": record.record_id, "effect": "disregard",
         "from": effective.isoformat(), "case_no": case_no},
    ]


def _effective(old: PermitDates, new: PermitDates, day: dt.date) -> dt.date:
    """From when the new reading replaces the old: the suspension it adds, the day after
    the end it adds, else `day` (never later than `day`)."""
    dates = [day]
    if new.suspended_on is not None and new.suspended_on != old.suspended_on:
        dates.append(new.suspended_on)
    if new.ended_on is not None and new.ended_on != old.ended_on:
        dates.append(new.ended_on + dt.timedelta(days=1))
    return min(dates)


def _write(rows: list[dict[str, Any]], actor: Any) -> list[dict[str, Any]]:
    """Ingest the platform's own records (unscoped: the platform writes its XJM- ids);
    every row must apply."""
    _, outcomes = records_ingest(rows=rows, channel="api", actor=actor,
                                 chunk_size=DAILY_CHUNK)
    failed = [o for o in outcomes if o["outcome"] not in APPLIED_OUTCOMES]
    if failed:
        raise RuntimeError(f"platform records not applied: {failed[:3]}")
    return outcomes


# ---------------------------------------------------------------- applying and issuing


def _checked_claims(claims: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(claims))
    unknown = [c for c in out if c not in CLAIMS]
    if unknown:
        raise _invalid({"claims": f"应为 / one of: {', '.join(CLAIMS)}"})
    return out


def _retried(kind: str, resident: Any, by: Any, client_key: str,
             now: dt.datetime) -> Case | None:
    """The case an earlier request with this key made (a double tap, a retry: checked
    before the conditions, which the permit it issued no longer meets), or None; refused
    for whoever does not act for the resident."""
    if Case.objects.filter(resident=resident, client_key=client_key).exists():
        return case_submit(kind=kind, resident=resident, by=by, client_key=client_key,
                           department="PSB", now=now)
    if not acts_for(by, resident.pk, resident.district_id):
        raise DomainError("forbidden", "无权为该居民申请", "You may not apply for this resident",
                          status=403)
    return None


def permit_request(*, action: str, resident: Any, by: Any, client_key: str,
                   claims: Iterable[str] = ()) -> Case:
    """The portal's and the counter's one entry: `action` "apply" or "endorse"."""
    service = permit_endorse_apply if action == "endorse" else permit_apply
    return service(resident=resident, by=by, client_key=client_key, claims=claims)


def _missing_fields(elig: Eligibility) -> dict[str, str]:
    return {c.key: f"{c.label.zh}: {c.detail.zh} / {c.label.en}: {c.detail.en}"
            for c in elig.missing}


def permit_apply(*, resident: Any, by: Any, client_key: str, claims: Iterable[str] = (),
                 statement: str = "", now: dt.datetime | None = None) -> Case:
    """Apply for a residence permit for `resident` (by the resident, a guardian or a window
    clerk of the district: assisted). Refused, naming each condition not met, when the
    department data and the claims cannot make the resident eligible, or while a permit
    is held. Issued at once when department data show every condition; else a case for
    the district's PSB reviewers (15 calendar days), who verify the claims. The same
    `client_key` again returns the case it made."""
    now = now or timezone.now()
    day = office_today(now)
    claims = _checked_claims(claims)
    same = _retried(Case.Kind.PERMIT, resident, by, client_key, now)
    if same is not None:
        return same
    records = records_in_force(resident.id_number, day)
    held = holds_permit(permits_of(resident.id_number, day, records))
    if held is not None:
        hint = "请办理签注 / endorse it" if held.status == Status.SUSPENDED else ""
        raise _invalid({"permit": f"已持有居住证 {held.permit_no} ({held.status}) / a permit is "
                                  f"already held {hint}".strip()})
    elig = permit_eligibility(resident.id_number, day, claims, records)
    if not elig.eligible:
        raise _invalid(_missing_fields(elig))
    open_pending = Case.objects.filter(resident=resident, kind=Case.Kind.PERMIT,
                                       status__in=(Case.Status.OPEN, Case.Status.WAITING))
    if open_pending.exists():
        raise _invalid({"permit": "已有办理中的居住证申请 / an application is already open"})
    at_once = (("申领条件均可由部门数据核实, 即时发证",
                "every condition is shown by department data: issued at once")
               if elig.verifiable else None)
    return case_submit(kind=Case.Kind.PERMIT, resident=resident, by=by, client_key=client_key,
                       department="PSB", item_key="permit", statement=statement,
                       detail={"claims": list(claims)}, accepted_at_once=at_once, now=now)


def _draw_permit_no(district: str, day: dt.date) -> str:
    """District, year, "X" (issued online), 7 random digits; a number taken is refused by
    the record key (source, record_id) and drawn again."""
    return f"{district}{day:%y}X{secrets.randbelow(10**7):07d}"


def permit_issue(case: Case, actor: Any, now: dt.datetime) -> None:
    """ON_ACCEPT of a permit application: issue the permit (inside the decision's
    transaction). Refused — undoing the decision — when the resident no longer qualifies
    or holds a permit meanwhile."""
    day = office_today(now)
    resident = case.resident
    id_number = resident.id_number
    records = records_in_force(id_number, day)
    if holds_permit(permits_of(id_number, day, records)) is not None:
        raise _invalid({"permit": "该居民已持有居住证 / the resident already holds a permit"})
    elig = permit_eligibility(id_number, day, tuple(case.detail.get("claims", ())), records)
    if not elig.eligible or elig.registered_on is None or elig.district is None:
        raise _invalid(_missing_fields(elig) or {"registration": "没有有效的居住登记 / no "
                                                                 "registration in force"})
    for _ in range(NUMBER_TRIES):
        permit_no = _draw_permit_no(elig.district, day)
        row = {"source": "PSB", "type": "residence_permit",
               "record_id": _platform_id(PERMIT_PREFIX, permit_no), "version": 1,
               "id_number": id_number, "permit_no": permit_no, "district": elig.district,
               "issued_on": day.isoformat(), "count_start": elig.registered_on.isoformat()}
        _, outcomes = records_ingest(rows=[row], channel="api", actor=actor)
        if outcomes[0]["outcome"] == "created":
            break
    else:
        raise RuntimeError(f"no free permit number in {NUMBER_TRIES} draws")
    audit_record(action="permit.issued", object_type="case", object_id=case.pk,
                 actor=actor or "system",
                 detail={"case": case.number, "permit_no": permit_no,
                         "record": f"PSB:{row['record_id']}"})


# ---------------------------------------------------------------- endorsing


def _endorsable(resident: Any, day: dt.date, records: list[Any]) -> PermitView:
    views = permits_of(resident.id_number, day, records)
    held = holds_permit(views)
    if held is None:
        raise _invalid({"permit": "没有可签注的居住证 / no permit to endorse"})
    kind, due = reading.endorsement_kind(held.dates, day)
    if kind == Endorsement.TOO_EARLY:
        last = due - dt.timedelta(days=1)
        raise _invalid({"permit": f"签注时间为 {reading.window_opens(due)} 至 {last} / the "
                                  f"endorsement window is {reading.window_opens(due)} to {last}"})
    return held


def permit_endorse_apply(*, resident: Any, by: Any, client_key: str,
                         claims: Iterable[str] = (), statement: str = "",
                         now: dt.datetime | None = None) -> Case:
    """Ask for the annual endorsement: in the window (the 30 days before the anniversary)
    it keeps where residence time counts from; late, it restores a suspended permit and
    residence time counts from the day it is granted. A holder who no longer qualifies is
    not endorsed (each condition missing named). Granted at once when department data show
    the conditions; else a case for the PSB reviewers."""
    now = now or timezone.now()
    day = office_today(now)
    claims = _checked_claims(claims)
    same = _retried(Case.Kind.ENDORSEMENT, resident, by, client_key, now)
    if same is not None:
        return same
    records = records_in_force(resident.id_number, day)
    held = _endorsable(resident, day, records)
    elig = permit_eligibility(resident.id_number, day, claims, records)
    if not elig.eligible:
        raise _invalid(_missing_fields(elig))
    at_once = (("签注条件均可由部门数据核实, 即时签注",
                "every condition is shown by department data: endorsed at once")
               if elig.verifiable else None)
    return case_submit(kind=Case.Kind.ENDORSEMENT, resident=resident, by=by,
                       client_key=client_key, department="PSB", item_key="permit",
                       statement=statement,
                       detail={"claims": list(claims), "permit_no": held.permit_no},
                       accepted_at_once=at_once, now=now)


def permit_endorse(case: Case, actor: Any, now: dt.datetime) -> None:
    """ON_ACCEPT of an endorsement: the permit endorsed on the day of the decision."""
    day = office_today(now)
    resident = case.resident
    records = records_in_force(resident.id_number, day)
    held = _endorsable(resident, day, records)
    elig = permit_eligibility(resident.id_number, day, tuple(case.detail.get("claims", ())),
                              records)
    if not elig.eligible:
        raise _invalid(_missing_fields(elig))
    kind, due = reading.endorsement_kind(held.dates, day)
    new = reading.endorsed(held.dates, day)
    _write(permit_rows(view=held, new=new, id_number=resident.id_number,
                       effective=_effective(held.dates, new, day), case_no=case.number),
           actor)
    audit_record(action="permit.endorsed", object_type="case", object_id=case.pk,
                 actor=actor or "system",
                 detail={"case": case.number, "permit_no": held.permit_no, "kind": kind,
                         "anniversary": due.isoformat()})


# ---------------------------------------------------------------- ending


def permit_end(*, resident: Any, ended_on: dt.date, actor: Any, reference: str,
               now: dt.datetime | None = None) -> PermitView | None:
    """The permit held (valid or suspended) ends with the registration (deregistration,
    local household registration, death: domain.md §6); `ended_on` is its last day in
    force, `reference` the registration's number (the override names it). None when no
    permit is held. Called inside the deregistration's transaction; audited
    "permit.ended"."""
    day = office_today(now or timezone.now())
    records = records_in_force(resident.id_number, day)
    held = holds_permit(permits_of(resident.id_number, day, records))
    if held is None:
        return None
    d = held.dates
    new = PermitDates(d.issued_on, d.count_start, d.last_endorsed_on, d.suspended_on,
                      min(ended_on, d.ended_on) if d.ended_on else ended_on)
    _write(permit_rows(view=held, new=new, id_number=resident.id_number,
                       effective=_effective(d, new, day), case_no=reference), actor)
    audit_record(action="permit.ended", object_type="permit", object_id=held.permit_no,
                 actor=actor, detail={"permit_no": held.permit_no, "reference": reference,
                                      "ended_on": new.ended_on.isoformat()
                                      if new.ended_on else ""})
    return held


# ---------------------------------------------------------------- the daily job


@dataclass(frozen=True)
class DailyRun:
    day: dt.date
    suspended: int  # permits suspended by this run
    records: int  # records written (continuations, overrides, versions)
    failed: int  # permits whose new version a rule of the feed format refused (logged)
    seconds: float


def permits_daily(*, day: dt.date | None = None, actor: Any = "permits-daily") -> DailyRun:
    """The daily job (domain.md §6): every permit whose anniversary on or before `day`
    passed without an endorsement is suspended from that anniversary, through records
    (the platform's own permits get their next version; a PSB feed's a continuation and
    an override). Run again, it finds nothing more to do; killed midway, a run again
    completes it (each chunk commits its rows: a continuation with its override). The
    touched residents are re-scored (records_changed). A permit whose new version is
    refused (a feed-format rule) is counted as failed and logged, the others go on.
    Audited "permits.daily"."""
    from xinjumin.permits.daily import suspensions_due

    day = day or office_today()
    started = time.perf_counter()
    due = suspensions_due(day)
    case_no = f"XJM-DAILY-{day:%Y%m%d}"
    versions: list[dict[str, Any]] = []  # the permits' new versions or continuations
    overrides: list[dict[str, Any] | None] = []  # each one's override of a PSB record
    for item in due:
        rows = permit_rows(view=item.view, new=item.new, id_number=item.id_number,
                           effective=item.new.suspended_on or day, case_no=case_no)
        versions.append(rows[0])
        overrides.append(rows[1] if len(rows) > 1 else None)
    written = failed = 0
    if versions:
        # the continuations first, then the overrides of those that applied: a PSB permit
        # is never set aside without its continuation (a row refused, a crash between the
        # two: the next run writes what is missing)
        _, outcomes = records_ingest(rows=versions, channel="api", actor=actor,
                                     chunk_size=DAILY_CHUNK)
        applied = [o["outcome"] in APPLIED_OUTCOMES for o in outcomes]
        failed = applied.count(False)
        for o in outcomes:
            if o["outcome"] not in APPLIED_OUTCOMES:
                log.error("permits daily %s: %s not written: %s", day, o["record_id"], o)
        follow = [r for r, ok in zip(overrides, applied, strict=True) if ok and r]
        if follow:
            _write(follow, actor)
        written = applied.count(True) + len(follow)
    run = DailyRun(day, len(due) - failed, written, failed,
                   round(time.perf_counter() - started, 3))
    with transaction.atomic():
        audit_record(action="permits.daily", object_type="permits", object_id=day.isoformat(),
                     actor=actor, detail={"suspended": run.suspended, "records": run.records,
                                          "failed": run.failed, "seconds": run.seconds})
    log.info("permits daily %s: %s suspended, %s records, %.1f s", day, run.suspended,
             run.records, run.seconds)
    return run


ON_ACCEPT[Case.Kind.PERMIT] = permit_issue
ON_ACCEPT[Case.Kind.ENDORSEMENT] = permit_endorse
