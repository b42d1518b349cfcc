"""Services that write residents, employers and family links (domain.md §2, §4).

Each validates its input with field-level, bilingual errors, writes in one transaction
and records the audit event in it. ID and phone numbers are stored encrypted with keyed
hashes for look-up; audit details never carry them in clear.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from points import IdentifierError, age_in_full_years, parse_id_number, parse_uscc
from xinjumin.accounts.sms import phone_hash, phone_parse
from xinjumin.audit.services import audit_record
from xinjumin.core.errors import DomainError
from xinjumin.geo.models import District, Street, Unit
from xinjumin.people.models import Employer, Guardianship, Marriage, Resident
from xinjumin.people.selectors import id_number_hash

# Chinese names (with the middle dot of minority names) or Latin names.
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_NAME_RE = re.compile(rf"^[{_HAN}A-Za-z][{_HAN}A-Za-z·•.' -]*$")
ADULT_AGE = 18


def _invalid(fields: dict[str, str], code: str = "invalid_resident") -> DomainError:
    first = next(iter(fields.values()))
    zh, _, en = first.partition(" / ")
    return DomainError(code, f"信息有误: {zh}", f"invalid data: {en or zh}", fields)


def _name_problem(name: str) -> str | None:
    if not name:
        return "请填写姓名 / the name is required"
    if len(name) > 64:
        return "姓名最多 64 个字符 / at most 64 characters"
    if not _NAME_RE.match(name):
        return "姓名只能包含汉字、字母和间隔号 / only Chinese characters, letters and ·"
    return None


def _resolve(model: type, value: Any, field: str, label: str,
             fields: dict[str, str]) -> Any:
    if value is None or value == "" or isinstance(value, model):
        return value or None
    found = model.objects.filter(pk=value).first()
    if found is None:
        fields[field] = f"没有代码为 {value} 的{label} / no {field} {value}"
    return found


def _date_problem(value: dt.date | None, birth: dt.date | None, today: dt.date) -> str | None:
    if value is None:
        return None
    if value > today:
        return "日期不能晚于今天 / the date cannot be in the future"
    if birth is not None and value < birth:
        return "日期不能早于出生日期 / the date cannot be before the birth date"
    return None


def resident_create(
    *, id_number: str, name: str, district: District | str, phone: str = "",
    street: Street | str | None = None, unit: Unit | None = None,
    arrived_on: dt.date | None = None, registered_on: dt.date | None = None,
    actor: Any = None,
) -> Resident:
    """Register a resident. Validates the ID number (GB 11643: length, check character,
    impossible/future birth date), name, phone, geography and dates; a number already
    registered is an error on `id_number`. Birth date and gender come from the ID number.
    Raises a field-level DomainError and writes nothing on bad input; audited
    "resident.create"."""
    fields: dict[str, str] = {}
    today = timezone.localdate()
    parsed = None
    try:
        parsed = parse_id_number(id_number or "", today=today)
    except IdentifierError as exc:
        fields["id_number"] = f"{exc.message} / {exc.message_en}"
    name = (name or "").strip()
    if problem := _name_problem(name):
        fields["name"] = problem
    number = ""
    if phone:
        try:
            number = phone_parse(phone)
        except DomainError as exc:
            fields.update(exc.fields)
    district = _resolve(District, district, "district", "区县", fields)
    if district is None and "district" not in fields:
        fields["district"] = "请选择居住区县 / the district is required"
    street = _resolve(Street, street, "street", "街道", fields)
    if street is not None and district is not None and street.district_id != district.pk:
        fields["street"] = "街道必须属于所选区县 / the street must be in the district"
    if unit is not None and district is not None:
        home = unit.building.complex
        if home.district_id != district.pk or (street is not None and home.street_id != street.pk):
            fields["unit"] = "住所必须位于所选区县和街道 / the home must be in the district/street"
    birth = parsed.birth_date if parsed else None
    for key, value in (("arrived_on", arrived_on), ("registered_on", registered_on)):
        if problem := _date_problem(value, birth, today):
            fields[key] = problem
    if parsed and Resident.objects.filter(id_hash=id_number_hash(parsed.value)).exists():
        fields["id_number"] = "该身份证号码已登记 / this ID number is already registered"
    if number and Resident.objects.filter(phone_hash=phone_hash(number)).exists():
        fields["phone"] = "该手机号码已被其他居民使用 / another resident has this phone number"
    if fields:
        raise _invalid(fields)
    assert parsed is not None
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                id_number=parsed.value, id_hash=id_number_hash(parsed.value), name=name,
                gender=Resident.Gender.MALE if parsed.male else Resident.Gender.FEMALE,
                birth_date=parsed.birth_date, phone=number,
                phone_hash=phone_hash(number) if number else None,
                district=district, street=street, unit=unit,
                arrived_on=arrived_on, registered_on=registered_on,
            )
            audit_record(action="resident.create", object_type="resident",
                         object_id=resident.pk,
                         detail={"district": district.pk, "street": getattr(street, "pk", "")},
                         actor=actor)
    except IntegrityError:  # a concurrent registration of the same number won the race
        raise _invalid({"id_number": "该身份证号码或手机号码已登记 / "
                                     "this ID or phone number is already registered"}) from None
    return resident


@transaction.atomic
def resident_update_phone(*, resident: Resident, phone: str, actor: Any = None) -> Resident:
    """Set (or clear, with "") the resident's phone number; audited
    "resident.update_phone" (the number itself is not in the audit detail)."""
    number = phone_parse(phone) if phone else ""
    digest = phone_hash(number) if number else None
    if digest and Resident.objects.filter(phone_hash=digest).exclude(pk=resident.pk).exists():
        raise _invalid({"phone": "该手机号码已被其他居民使用 / "
                                 "another resident has this phone number"})
    resident.phone, resident.phone_hash = number, digest
    resident.save(update_fields=["phone", "phone_hash", "updated_at"])
    audit_record(action="resident.update_phone", object_type="resident", object_id=resident.pk,
                 detail={"cleared": not number}, actor=actor)
    return resident


@transaction.atomic
def resident_home_set(*, resident: Resident, district: str, street: str | None, unit: Unit | None,
                      arrived_on: dt.date | None, registered_on: dt.date | None,
                      actor: Any = None) -> Resident:
    """Where the resident lives now, as their registration in force says (registrations
    calls it when one comes into force or changes); audited "resident.home"."""
    Resident.objects.filter(pk=resident.pk).update(
        district_id=district, street_id=street, unit=unit, arrived_on=arrived_on,
        registered_on=registered_on, updated_at=timezone.now())
    resident.refresh_from_db()
    audit_record(action="resident.home", object_type="resident", object_id=resident.pk,
                 detail={"district": district, "street": street or ""}, actor=actor)
    return resident


@transaction.atomic
def resident_link_guardian(*, guardian: Resident, child: Resident, since: dt.date,
                           actor: Any = None) -> Guardianship:
    """Record that `guardian` is a guardian of `child` from `since`. The child must be a
    minor today, the guardian an adult, `since` not before the child's birth nor in the
    future. Audited "resident.link_guardian"."""
    today = timezone.localdate()
    fields: dict[str, str] = {}
    if guardian.pk == child.pk:
        fields["child"] = "不能是本人 / cannot be the guardian themselves"
    elif age_in_full_years(child.birth_date, today) >= ADULT_AGE:
        fields["child"] = "被监护人必须未满 18 周岁 / the child must be under 18"
    if age_in_full_years(guardian.birth_date, today) < ADULT_AGE:
        fields["guardian"] = "监护人必须年满 18 周岁 / the guardian must be an adult"
    if since > today or since < child.birth_date:
        fields["since"] = ("起始日期应在出生日期与今天之间 / "
                           "the date must be between the birth date and today")
    if not fields and Guardianship.objects.filter(guardian=guardian, child=child).exists():
        fields["child"] = "监护关系已存在 / this guardianship is already recorded"
    if fields:
        raise _invalid(fields, "invalid_guardianship")
    link = Guardianship.objects.create(guardian=guardian, child=child, since=since)
    audit_record(action="resident.link_guardian", object_type="resident", object_id=child.pk,
                 detail={"guardian": guardian.pk, "since": since.isoformat()}, actor=actor)
    return link


@transaction.atomic
def resident_link_spouse(*, a: Resident, b: Resident, since: dt.date,
                         actor: Any = None) -> Marriage:
    """Record a marriage between `a` and `b` from `since` (stored as an ordered pair).
    Neither may be in a marriage that has not ended. Audited "resident.link_spouse"."""
    today = timezone.localdate()
    fields: dict[str, str] = {}
    if a.pk == b.pk:
        fields["b"] = "不能与本人登记婚姻 / cannot marry themselves"
    if since > today or since < max(a.birth_date, b.birth_date):
        fields["since"] = "结婚日期不正确 / the date of marriage is not possible"
    current = Q(ended_on__isnull=True) | Q(ended_on__gte=since)
    for key, person in (("a", a), ("b", b)):
        if Marriage.objects.filter(current).filter(
                Q(spouse_a=person) | Q(spouse_b=person)).exists():
            fields[key] = "已有未解除的婚姻登记 / already in a marriage that has not ended"
    if fields:
        raise _invalid(fields, "invalid_marriage")
    first, second = sorted((a, b), key=lambda r: r.pk)
    marriage = Marriage.objects.create(spouse_a=first, spouse_b=second, since=since)
    audit_record(action="resident.link_spouse", object_type="marriage", object_id=marriage.pk,
                 detail={"spouse_a": first.pk, "spouse_b": second.pk,
                         "since": since.isoformat()}, actor=actor)
    return marriage


@transaction.atomic
def employer_create(*, uscc: str, name: str, district: District | str,
                    actor: Any = None) -> Employer:
    """Register an employer by its unified social credit code (GB 32100, verified).
    Field-level DomainError on a bad or duplicate code; audited "employer.create"."""
    fields: dict[str, str] = {}
    code = ""
    try:
        code = parse_uscc(uscc or "")
    except IdentifierError as exc:
        fields["uscc"] = f"{exc.message} / {exc.message_en}"
    name = (name or "").strip()
    if not name or len(name) > 128:
        fields["name"] = "请填写单位名称 (最多 128 字) / the name is required (≤ 128)"
    district = _resolve(District, district, "district", "区县", fields)
    if district is None and "district" not in fields:
        fields["district"] = "请选择区县 / the district is required"
    if code and Employer.objects.filter(uscc=code).exists():
        fields["uscc"] = "该统一社会信用代码已登记 / this credit code is already registered"
    if fields:
        raise _invalid(fields, "invalid_employer")
    employer = Employer.objects.create(uscc=code, name=name, district=district)
    audit_record(action="employer.create", object_type="employer", object_id=employer.pk,
                 detail={"uscc": code, "district": district.pk}, actor=actor)
    return employer
