"""Services for residence registration (domain.md §5): declare, report, confirm or reject a
report, change address, deregister, lapse the unconfirmed. Each owns its transaction and
its audit event; each submission carries a client request key (one registration per key,
kept by the database).

A registration in force is the record `XJM-R-<number>` (residence_registration, source
PSB, domain.md §9.1), written through `records_ingest` in the same transaction: the engine
scores it like a PSB feed's. The resident's summary (district, street, home, arrival and
registration dates on people.Resident) follows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from points import IdentifierError, parse_id_number, parse_uscc
from xinjumin.accounts.roles import Role, role_can
from xinjumin.audit.services import audit_record
from xinjumin.cases.selectors import acts_for, office_today, working_calendar
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.geo.models import Unit
from xinjumin.people.models import Resident
from xinjumin.people.selectors import resident_by_id_number
from xinjumin.people.services import resident_create, resident_home_set
from xinjumin.records.services import records_ingest
from xinjumin.registrations.models import AddressChange, Registration

DECLARE_DAYS = 3  # calendar days after arrival (counted from the day after), domain.md §5
REPORT_WORKING_DAYS = 3
CHANGE_DAYS = 10
LAPSE_DAYS = 30
NUMBER_TRIES = 5
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out at a counter
DOCUMENTS = {"id_card": "居民身份证", "temporary_id_card": "临时居民身份证",
             "household_register": "户口簿"}


def _invalid(fields: dict[str, str]) -> DomainError:
    return DomainError("invalid", "提交的内容有误, 请按提示修改", "Some fields need correcting",
                       fields)


def _number(now: dt.datetime) -> str:
    return f"R{office_today(now):%Y%m%d}-{secrets.token_hex(4).upper()}"


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _unit(value: Any, fields: dict[str, str]) -> Unit | None:
    """The home chosen (a Unit or its id), with its building, complex, street, district."""
    if isinstance(value, Unit):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    unit = Unit.objects.select_related("building__complex__street").filter(pk=pk).first()
    if unit is None:
        fields["unit"] = "请从小区、楼栋中选择房屋 / choose the home from a complex and building"
    return unit


def _uscc(value: str, field: str, fields: dict[str, str], *, required: bool = False) -> str:
    value = (value or "").strip().upper()
    if not value:
        if required:
            fields[field] = "请填写统一社会信用代码 / the unified social credit code is required"
        return ""
    try:
        return parse_uscc(value)
    except IdentifierError as e:
        fields[field] = f"{e.message} / {e.message_en}"
        return ""


def _date(value: dt.date | None, field: str, today: dt.date, fields: dict[str, str], *,
          not_before: dt.date | None = None, label: str = "日期") -> None:
    if value is None:
        fields[field] = f"请填写{label} / the date is required"
    elif value > today:
        fields[field] = f"{label}不能晚于今天 / the date cannot be in the future"
    elif value < dt.date(1900, 1, 1) or (not_before is not None and value < not_before):
        fields[field] = f"{label}早于允许的范围 / the date is too early"


def _home_fields(by: Any, unit: Any, employer_uscc: str, document: str,
                 fields: dict[str, str]) -> tuple[Unit | None, str, bool]:
    """The home, the employer's code and whether a clerk submits (assisted: the identity
    document checked is required), their problems added to `fields`."""
    home = _unit(unit, fields)
    employer = _uscc(employer_uscc, "employer_uscc", fields)
    assisted = by.role != Role.RESIDENT
    if assisted and document not in DOCUMENTS:
        fields["document"] = ("请选择核验的身份证件 / choose the identity document checked: "
                              + ", ".join(DOCUMENTS))
    return home, employer, assisted


def _record_row(reg: Registration) -> dict[str, Any]:
    unit = reg.unit
    building = unit.building
    row: dict[str, Any] = {
        "source": "PSB", "type": "residence_registration", "record_id": reg.record_id,
        "version": reg.record_version, "id_number": reg.resident.id_number,
        "district": reg.district_id, "street": reg.street_id,
        "complex_id": building.complex.code, "unit": f"{building.number}-{unit.number}",
        "arrived_on": reg.arrived_on.isoformat(),
        "registered_on": (reg.registered_on or reg.arrived_on).isoformat(),
    }
    if reg.ended_on:
        row["ended_on"] = reg.ended_on.isoformat()
    return row


def _write_record(reg: Registration, actor: Any) -> None:
    """The registration's next record version, through the same ingestion as a feed's."""
    reg.record_version += 1
    Registration.objects.filter(pk=reg.pk).update(record_version=reg.record_version)
    _, outcomes = records_ingest(rows=[_record_row(reg)], channel="api", actor=actor)
    if outcomes[0]["outcome"] not in ("created", "updated"):
        raise RuntimeError(f"registration record not applied: {outcomes[0]}")


def _by_key(resident: Resident, client_key: str) -> Registration | None:
    return Registration.objects.filter(resident=resident, client_key=client_key).first()


def _create(*, now: dt.datetime, **values: Any) -> Registration:
    """A new registration with a fresh number (a taken number is drawn again)."""
    for _ in range(NUMBER_TRIES):
        try:
            with transaction.atomic():
                return Registration.objects.create(number=_number(now),
                                                   verification_code=_code(),
                                                   submitted_at=now, **values)
        except IntegrityError:
            same = _by_key(values["resident"], values["client_key"])
            if same is not None:
                return same
            if Registration.objects.filter(resident=values["resident"],
                                           status=Registration.Status.ACTIVE).exists():
                raise _invalid({"unit": "已有有效的居住登记, 请办理变更 / a registration is in "
                                        "force: register a change of address"}) from None
    raise RuntimeError(f"no free registration number in {NUMBER_TRIES} draws")


def _may_submit(by: Any, resident: Resident, district_id: str) -> bool:
    """The resident (or a guardian) for themself; a window clerk of the home's district
    (the resident present: assisted)."""
    if by.role == Role.RESIDENT:
        return acts_for(by, resident.pk, resident.district_id)
    return role_can(by.role, "resident_assist") and by.district_id == district_id


def registration_declare(*, resident: Resident, by: Any, client_key: str,
                         arrived_on: dt.date | None, unit: Any, employer_uscc: str = "",
                         document: str = "", now: dt.datetime | None = None) -> Registration:
    """Declare residence (来甬登记): the arrival date, the home, optionally the employer. A
    declaration more than 3 days after arrival is accepted and marked late. By the
    resident or a guardian, or by a window clerk of the home's district for a resident
    present (assisted: `document`, the identity document the clerk checked, is required).
    In force at once. Audited "registration.declared"."""
    now = now or timezone.now()
    today = office_today(now)
    same = _by_key(resident, client_key)
    if same is not None:
        return same
    fields: dict[str, str] = {}
    _date(arrived_on, "arrived_on", today, fields, not_before=resident.birth_date,
          label="来甬日期")
    home, employer, assisted = _home_fields(by, unit, employer_uscc, document, fields)
    if fields:
        raise _invalid(fields)
    assert home is not None and arrived_on is not None
    complex_ = home.building.complex
    if not _may_submit(by, resident, complex_.district_id):
        raise DomainError("forbidden", "无权为该居民登记", "You may not register this resident",
                          status=403)
    if Registration.objects.filter(resident=resident,
                                   status=Registration.Status.ACTIVE).exists():
        raise _invalid({"unit": "已有有效的居住登记, 请办理变更 / a registration is in force: "
                                "register a change of address"})
    late = today > arrived_on + dt.timedelta(days=DECLARE_DAYS)
    with transaction.atomic():
        reg = _create(now=now, resident=resident, status=Registration.Status.ACTIVE,
                      channel=(Registration.Channel.COUNTER if assisted
                               else Registration.Channel.SELF),
                      district_id=complex_.district_id, street_id=complex_.street_id,
                      unit=home, employer_uscc=employer, arrived_on=arrived_on,
                      registered_on=today, late=late, submitted_by=by, assisted=assisted,
                      document_checked=document if assisted else "", client_key=client_key,
                      decided_at=now)
        if reg.record_version == 0:  # made now, not an earlier request's
            _activate(reg, by, "registration.declared")
    return reg


def _activate(reg: Registration, actor: Any, action: str) -> None:
    _write_record(reg, actor)
    resident_home_set(resident=reg.resident, district=reg.district_id, street=reg.street_id,
                      unit=reg.unit, arrived_on=reg.arrived_on,
                      registered_on=reg.registered_on, actor=actor)
    audit_record(action=action, object_type="registration", object_id=reg.pk, actor=actor,
                 detail={"number": reg.number, "district": reg.district_id,
                         "late": reg.late, "assisted": reg.assisted,
                         "channel": reg.channel})


def registration_report(*, reporter_kind: str, reporter_name: str, reporter_uscc: str,
                        id_number: str, name: str, arrived_on: dt.date | None, unit: Any,
                        employer_uscc: str = "", client_key: str, by: Any = None,
                        now: dt.datetime | None = None) -> Registration:
    """An employer, landlord, property manager or agency reports a person they house or
    hire (due within 3 working days of arrival: a later report is accepted, marked late).
    It makes a pending registration the resident is invited to confirm or reject; it
    counts for nothing until then, and lapses after 30 days. A person not known yet is
    registered as a resident first. Audited "registration.reported"."""
    now = now or timezone.now()
    today = office_today(now)
    fields: dict[str, str] = {}
    if reporter_kind not in Registration.Reporter.values:
        fields["reporter_kind"] = f"应为 / one of: {', '.join(Registration.Reporter.values)}"
    reporter_name = (reporter_name or "").strip()
    if not reporter_name or len(reporter_name) > 128:
        fields["reporter_name"] = "请填写报告人名称 (最多 128 字) / the reporter's name (≤ 128)"
    org = _uscc(reporter_uscc, "reporter_uscc", fields,
                required=reporter_kind != Registration.Reporter.LANDLORD)
    parsed = None
    try:
        parsed = parse_id_number(id_number or "", today=today)
    except IdentifierError as e:
        fields["id_number"] = f"{e.message} / {e.message_en}"
    _date(arrived_on, "arrived_on", today, fields,
          not_before=parsed.birth_date if parsed else None, label="来甬日期")
    home = _unit(unit, fields)
    employer = _uscc(employer_uscc, "employer_uscc", fields)
    if fields:
        raise _invalid(fields)
    assert parsed is not None and home is not None and arrived_on is not None
    resident = resident_by_id_number(id_number=parsed.value)
    if resident is not None and resident.name != (name or "").strip():
        raise _invalid({"name": "姓名与身份证号码不符 / the name does not match the ID number"})
    key = hashlib.sha256(f"{reporter_kind}\0{org or reporter_name}\0{client_key}".encode()
                         ).hexdigest()[:40]
    complex_ = home.building.complex
    with transaction.atomic():
        if resident is None:
            resident = resident_create(id_number=parsed.value, name=name,
                                       district=complex_.district_id,
                                       street=complex_.street_id, actor=by)
        same = _by_key(resident, key)
        if same is not None:
            return same
        due = arrived_on
        calendar = working_calendar()
        for _ in range(REPORT_WORKING_DAYS):
            due = calendar.next_working_day(due)
        reg = _create(now=now, resident=resident, status=Registration.Status.PENDING,
                      channel=Registration.Channel.REPORT, district_id=complex_.district_id,
                      street_id=complex_.street_id, unit=home, employer_uscc=employer,
                      arrived_on=arrived_on, reporter_kind=reporter_kind,
                      reporter_uscc=org, reporter_name=reporter_name, reported_on=today,
                      report_late=today > due, submitted_by=by if getattr(by, "pk", None)
                      else None, client_key=key)
        audit_record(action="registration.reported", object_type="registration",
                     object_id=reg.pk, actor=by,
                     detail={"number": reg.number, "district": reg.district_id,
                             "reporter_kind": reporter_kind, "late": reg.report_late})
    return reg


def _decide(reg: Registration, by: Any, to: str, now: dt.datetime, **extra: Any) -> bool:
    """Move a pending registration to `to` with a conditional UPDATE: of two answers at
    once, one wins."""
    return bool(Registration.objects.filter(pk=reg.pk, status=Registration.Status.PENDING)
                .update(status=to, decided_at=now, updated_at=now, **extra))


def _reported_for(reg: Registration, by: Any) -> None:
    if not _may_submit(by, reg.resident, reg.district_id):
        raise NotFound("居住登记", "registration")
    if reg.status != Registration.Status.PENDING:
        raise DomainError("registration_not_pending",
                          f"该登记当前为“{Registration.Status(reg.status).label}”, 无需确认",
                          f"This registration is {reg.status}: nothing to confirm", status=409)


def registration_confirm(*, registration: Registration, by: Any,
                         now: dt.datetime | None = None) -> Registration:
    """The resident confirms a report (or a clerk of the district verifies it): in force
    from today, its record written. Audited "registration.confirmed"."""
    now = now or timezone.now()
    _reported_for(registration, by)
    with transaction.atomic():
        if Registration.objects.filter(resident=registration.resident,
                                       status=Registration.Status.ACTIVE).exists():
            raise _invalid({"registration": "已有有效的居住登记 / a registration is already "
                                            "in force"})
        try:
            with transaction.atomic():
                won = _decide(registration, by, Registration.Status.ACTIVE, now,
                              registered_on=office_today(now),
                              assisted=by.role != Role.RESIDENT)
        except IntegrityError:  # another registration came into force at the same moment
            raise _invalid({"registration": "已有有效的居住登记 / a registration is already "
                                            "in force"}) from None
        if not won:
            raise DomainError("registration_changed", "该登记刚被处理, 请刷新后查看",
                              "This registration has just been answered: reload it",
                              status=409)
        registration.refresh_from_db()
        _activate(registration, by, "registration.confirmed")
    return registration


def registration_reject(*, registration: Registration, by: Any,
                        now: dt.datetime | None = None) -> Registration:
    """The resident rejects a report (not them, or not living there). Audited."""
    now = now or timezone.now()
    _reported_for(registration, by)
    with transaction.atomic():
        if not _decide(registration, by, Registration.Status.REJECTED, now):
            raise DomainError("registration_changed", "该登记刚被处理, 请刷新后查看",
                              "This registration has just been answered: reload it",
                              status=409)
        audit_record(action="registration.rejected", object_type="registration",
                     object_id=registration.pk, actor=by,
                     detail={"number": registration.number})
    registration.refresh_from_db()
    return registration


def _active(resident: Resident) -> Registration:
    reg = (Registration.objects.select_related("unit__building__complex", "resident")
           .filter(resident=resident, status=Registration.Status.ACTIVE).first())
    if reg is None:
        raise _invalid({"registration": "没有有效的居住登记 / no registration in force"})
    return reg


def registration_change(*, resident: Resident, by: Any, client_key: str,
                        moved_on: dt.date | None, unit: Any, employer_uscc: str = "",
                        document: str = "", now: dt.datetime | None = None) -> AddressChange:
    """A change of address (or workplace) within the city, due within 10 days of the move
    (a later one is accepted, marked late). The registration in force continues (its
    record's next version): where residence time counts from does not move. Audited
    "registration.changed"."""
    now = now or timezone.now()
    today = office_today(now)
    reg = _active(resident)
    same = AddressChange.objects.filter(registration=reg, client_key=client_key).first()
    if same is not None:
        return same
    fields: dict[str, str] = {}
    _date(moved_on, "moved_on", today, fields, not_before=reg.arrived_on, label="变更日期")
    home, employer, assisted = _home_fields(by, unit, employer_uscc, document, fields)
    if home is not None and home.pk == reg.unit_id and employer == reg.employer_uscc:
        fields["unit"] = "与现登记的住所和单位相同 / the same home and employer as registered"
    if fields:
        raise _invalid(fields)
    assert home is not None and moved_on is not None
    complex_ = home.building.complex
    if not (_may_submit(by, resident, complex_.district_id)
            or _may_submit(by, resident, reg.district_id)):
        raise DomainError("forbidden", "无权为该居民登记", "You may not register this resident",
                          status=403)
    with transaction.atomic():
        try:
            with transaction.atomic():
                change = AddressChange.objects.create(
                    registration=reg, moved_on=moved_on, from_unit_id=reg.unit_id,
                    to_unit=home, from_employer_uscc=reg.employer_uscc,
                    to_employer_uscc=employer,
                    late=today > moved_on + dt.timedelta(days=CHANGE_DAYS), submitted_by=by,
                    assisted=assisted, client_key=client_key, submitted_at=now)
        except IntegrityError:  # the same key at the same moment
            return AddressChange.objects.get(registration=reg, client_key=client_key)
        won = Registration.objects.filter(pk=reg.pk, status=Registration.Status.ACTIVE,
                                          record_version=reg.record_version).update(
            unit=home, district_id=complex_.district_id, street_id=complex_.street_id,
            employer_uscc=employer, updated_at=now)
        if not won:
            raise DomainError("registration_changed", "该登记刚被变更, 请刷新后查看",
                              "This registration has just changed: reload it", status=409)
        reg.refresh_from_db()
        _write_record(reg, by)
        resident_home_set(resident=resident, district=reg.district_id, street=reg.street_id,
                          unit=home, arrived_on=reg.arrived_on,
                          registered_on=reg.registered_on, actor=by)
        audit_record(action="registration.changed", object_type="registration",
                     object_id=reg.pk, actor=by,
                     detail={"number": reg.number, "district": reg.district_id,
                             "late": change.late, "assisted": assisted})
    return change


def registration_deregister(*, resident: Resident, by: Any, ended_on: dt.date | None,
                            reason: str, now: dt.datetime | None = None) -> Registration:
    """End the registration in force (moved away, local household registration, death):
    `ended_on` is its last day in force. The residence permit ends with it (domain.md §6).
    Audited "registration.ended"."""
    from xinjumin.permits.services import permit_end

    now = now or timezone.now()
    today = office_today(now)
    reg = _active(resident)
    fields: dict[str, str] = {}
    _date(ended_on, "ended_on", today, fields,
          not_before=reg.registered_on, label="注销日期")
    if reason not in Registration.EndReason.values:
        fields["reason"] = f"应为 / one of: {', '.join(Registration.EndReason.values)}"
    if fields:
        raise _invalid(fields)
    assert ended_on is not None
    if not _may_submit(by, resident, reg.district_id):
        raise DomainError("forbidden", "无权为该居民注销登记",
                          "You may not deregister this resident", status=403)
    with transaction.atomic():
        won = Registration.objects.filter(pk=reg.pk, status=Registration.Status.ACTIVE,
                                          record_version=reg.record_version).update(
            status=Registration.Status.ENDED, ended_on=ended_on, end_reason=reason,
            updated_at=now)
        if not won:
            raise DomainError("registration_changed", "该登记刚被变更, 请刷新后查看",
                              "This registration has just changed: reload it", status=409)
        reg.refresh_from_db()
        _write_record(reg, by)
        permit_end(resident=resident, ended_on=ended_on, actor=by, now=now,
                   reference=reg.number)
        audit_record(action="registration.ended", object_type="registration",
                     object_id=reg.pk, actor=by,
                     detail={"number": reg.number, "reason": reason,
                             "ended_on": ended_on.isoformat()})
    return reg


def registrations_lapse(*, day: dt.date | None = None) -> int:
    """Reports unconfirmed for 30 days lapse (they never counted). Audited."""
    day = day or office_today()
    cutoff = day - dt.timedelta(days=LAPSE_DAYS)
    with transaction.atomic():
        n = Registration.objects.filter(status=Registration.Status.PENDING,
                                        reported_on__lte=cutoff).update(
            status=Registration.Status.LAPSED, updated_at=timezone.now())
        audit_record(action="registrations.lapsed", object_type="registrations",
                     object_id=day.isoformat(), actor="registrations-daily",
                     detail={"lapsed": n})
    return n
