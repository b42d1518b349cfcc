"""The one door to a resident's data (style.md: `access_*` helpers, Zulip).

Views, API endpoints and the admin get residents only through these helpers. Scope is a
queryset filter. Outside a user's scope a resident does not exist (NotFound, 404, never
403), so existence is not revealed; inside the scope a power the role lacks is a 403.
Every staff read of personal data leaves an audit event, and so does every refusal
("resident.read_refused": who, for what purpose, which id was asked for), staff or resident.

Scope by role (domain.md §2):
- city admin: every district;
- window staff, department reviewer, district admin: their district, and only their
  street when the account has one;
- resident: themselves and the minors they are guardian of;
- system, security and audit admins (三员分立): no resident data at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinjumin.accounts.roles import DISTRICT_SCOPED_ROLES, RESIDENT_DATA_ROLES, Role
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_record
from xinjumin.core.context import current_request_id
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.logging import mask_text
from xinjumin.core.prepared import PreparedQuery
from xinjumin.geo.models import District, Street
from xinjumin.people.models import Guardianship, Resident

ADULT_AGE = 18


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "is_active", False))


def _is_staff_reader(user: Any) -> bool:
    return _active(user) and user.role in RESIDENT_DATA_ROLES


def minor_birth_cutoff(today: dt.date) -> dt.date:
    """People born after this date are under 18 on `today`. Ages follow domain.md §7.8
    (points.identifiers.age_in_full_years): a 29 February birthday counts on 28 February
    in a common year, so on the last day of February the cutoff is the last day of
    February 18 years before."""
    year = today.year - ADULT_AGE
    if today.month == 2 and today.day == calendar.monthrange(today.year, 2)[1]:
        return dt.date(year, 2, calendar.monthrange(year, 2)[1])
    return dt.date(year, today.month, min(today.day, calendar.monthrange(year, today.month)[1]))


def residents_in_scope(*, user: Any, today: dt.date | None = None) -> QuerySet[Resident]:
    """All residents `user` may see, as a queryset (compose further filters on it)."""
    residents = Resident.objects.all()
    if not _active(user):
        return residents.none()
    if user.role == Role.CITY_ADMIN:
        return residents
    if user.role in DISTRICT_SCOPED_ROLES:
        if not user.district_id:
            return residents.none()
        residents = residents.filter(district_id=user.district_id)
        if user.street_id:
            residents = residents.filter(street_id=user.street_id)
        return residents
    if user.role == Role.RESIDENT and user.resident_id:
        today = today or timezone.localdate()
        children = Guardianship.objects.filter(
            guardian_id=user.resident_id, child__birth_date__gt=minor_birth_cutoff(today),
        ).values("child_id")
        return residents.filter(Q(pk=user.resident_id) | Q(pk__in=children))
    return residents.none()


def _resident_not_found() -> NotFound:
    return NotFound("居民", "resident")


REFUSED = "resident.read_refused"

# The refusals of this request written inside a transaction (ATOMIC_REQUESTS, the admin's
# change view): (request id, ((event hash, audit_record arguments), ...)).
_unsettled: ContextVar[tuple[str, tuple[tuple[str, dict[str, Any]], ...]]] = ContextVar(
    "unsettled_refusals", default=("", ()))


def _refused(*, user: Any, requested: Any, purpose: str, reason: str) -> None:
    """Audit a refused access: the actor, the purpose, the id asked for (masked should it
    hold an ID or phone number: whatever was typed into a URL) and why ("scope": outside
    the role's or district's scope, or no such resident; "power": in scope, a power the
    role lacks; "own": not a resident account with a record)."""
    event = {"action": REFUSED, "object_type": "resident",
             "object_id": mask_text(str(requested if requested is not None else ""))[:64],
             "detail": {"purpose": str(purpose)[:64], "reason": reason},
             "actor": user}
    recorded = audit_record(**event)
    request_id = current_request_id()
    if request_id and connection.in_atomic_block:
        # A 404 raised through the request's transaction rolls the event back with it:
        # the 404 handler writes it again (access_refusals_settle).
        owner, pending = _unsettled.get()
        kept = pending if owner == request_id else ()
        _unsettled.set((request_id, (*kept, (recorded.hash, event))))


def access_refused(*, user: Any, requested: Any = "", purpose: str, reason: str) -> None:
    """Audit a refusal decided outside this module's doors (the API's require_power and
    require_resident, the back office's page guards): "resident.read_refused" like theirs,
    with `reason` "power" (a power the role lacks) or "own" (not a resident account)."""
    _refused(user=user, requested=requested, purpose=purpose, reason=reason)


def access_resident_reader(*, user: Any, purpose: str = "search") -> None:
    """Nothing unless `user` is a staff role that works with residents' data; else the
    refusal is audited and NotFound raised (the back office answers 404)."""
    if not _is_staff_reader(user):
        _refused(user=user, requested="", purpose=purpose, reason="power")
        raise _resident_not_found()


def access_refusals_settle() -> int:
    """Write again the refusals of this request that its transaction rolled back (a 404
    raised through ATOMIC_REQUESTS): the 404 handlers call this after the view's
    transaction has ended. Returns how many were written again."""
    owner, pending = _unsettled.get()
    _unsettled.set(("", ()))
    if not pending or owner != current_request_id():
        return 0
    kept = set(AuditEvent.objects.filter(hash__in=[h for h, _ in pending])
               .values_list("hash", flat=True))
    lost = [event for digest, event in pending if digest not in kept]
    for event in lost:
        audit_record(**event)
    return len(lost)


def access_resident(*, user: Any, resident_id: Any, purpose: str = "read") -> Resident:
    """The resident `resident_id` if `user` may see them, else NotFound (404).

    A staff read is audited "resident.read" with its `purpose` (e.g. "read", "assist",
    "review"); a resident reading their own or their child's record is not. Every refusal
    is audited "resident.read_refused", a resident's too.
    """
    try:
        pk = int(resident_id)
    except (TypeError, ValueError):
        _refused(user=user, requested=resident_id, purpose=purpose, reason="scope")
        raise _resident_not_found() from None
    if _active(user) and user.role == Role.RESIDENT and pk == user.resident_id:
        return access_own_resident(user=user)  # always in their scope; often read already
    resident = residents_in_scope(user=user).select_related("district", "street").filter(
        pk=pk).first()
    if resident is None:
        _refused(user=user, requested=pk, purpose=purpose, reason="scope")
        raise _resident_not_found()
    if user.role != Role.RESIDENT:
        audit_record(action="resident.read", object_type="resident", object_id=resident.pk,
                     detail={"purpose": purpose[:64]}, actor=user)
    return resident


def access_resident_full_id(*, user: Any, resident: Resident, purpose: str = "read") -> str:
    """The unmasked ID number, for staff who need it (window staff, reviewer, district and
    city admin) within their scope, and for the resident themselves; audited
    "resident.read_full_id". Outside the scope NotFound (404); in scope but without the
    power a DomainError "forbidden" (403). Refusals are audited "resident.read_refused"."""
    if not residents_in_scope(user=user).filter(pk=resident.pk).exists():
        _refused(user=user, requested=resident.pk, purpose=purpose, reason="scope")
        raise _resident_not_found()
    own = user.role == Role.RESIDENT and user.resident_id == resident.pk
    if not (own or _is_staff_reader(user)):
        _refused(user=user, requested=resident.pk, purpose=purpose, reason="power")
        raise DomainError("forbidden", "您无权查看完整身份证号码",
                          "you may not see the full ID number", {}, 403)
    audit_record(action="resident.read_full_id", object_type="resident",
                 object_id=resident.pk, detail={"purpose": purpose[:64]}, actor=user)
    return resident.id_number


_RESIDENT = [f.attname for f in Resident._meta.concrete_fields]
_DISTRICT = [f.attname for f in District._meta.concrete_fields]
_STREET = [f.attname for f in Street._meta.concrete_fields]


def own_resident_columns(prefix: str = "") -> list[str]:
    """The columns of a resident with its district and street, for `values_list` on
    Resident (`prefix` ""), or on a model that leads to it (e.g. "user__resident__");
    `own_resident_from_row` makes the instances."""
    return [*(prefix + n for n in _RESIDENT), *(f"{prefix}district__{n}" for n in _DISTRICT),
            *(f"{prefix}street__{n}" for n in _STREET)]


def own_resident_from_row(row: tuple[Any, ...]) -> Resident | None:
    """The Resident (district and street attached) from the `own_resident_columns`
    values; None when the row has none (a left join found no resident)."""
    a, b = len(_RESIDENT), len(_RESIDENT) + len(_DISTRICT)
    if row[0] is None:
        return None
    resident = Resident.from_db(DEFAULT_DB_ALIAS, _RESIDENT, row[:a])
    resident.district = District.from_db(DEFAULT_DB_ALIAS, _DISTRICT, row[a:b])
    resident.street = (Street.from_db(DEFAULT_DB_ALIAS, _STREET, row[b:])
                       if resident.street_id is not None else None)
    return resident


def _own_resident_row(pk: int) -> QuerySet[Any, Any]:
    return Resident.objects.filter(pk=pk).values_list(*own_resident_columns())


# Every API request of a resident reads their own record: compiled once (core.prepared).
_own_resident_query = PreparedQuery(_own_resident_row, pk=int)


def access_own_resident(*, user: Any) -> Resident:
    """The resident record of a resident account (with district and street), else
    NotFound. A bearer request has it already: the token's query read it (api.credentials,
    `own_resident_columns`), in the same request. A refusal is audited."""
    if not _active(user) or user.role != Role.RESIDENT or not user.resident_id:
        _refused(user=user, requested="", purpose="own", reason="own")
        raise _resident_not_found()
    field = user._meta.get_field("resident")
    if field.is_cached(user):
        cached = field.get_cached_value(user)
        if cached is not None and cached.pk == user.resident_id:
            return cached
    rows = _own_resident_query.rows(pk=user.resident_id)
    resident = own_resident_from_row(rows[0]) if rows else None
    if resident is None:
        _refused(user=user, requested=user.resident_id, purpose="own", reason="own")
        raise _resident_not_found()
    return resident


def otp_verified(user: Any) -> bool:
    """Whether this session passed the TOTP check (django-otp's middleware sets
    `is_verified`); admin pages require it so a password alone opens nothing."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def can_read_audit(user: Any) -> bool:
    """Only the audit admin reads the audit trail (三员分立)."""
    return _active(user) and user.role == Role.AUDIT_ADMIN


def can_manage_accounts(user: Any) -> bool:
    """Only the security admin manages accounts and roles (三员分立)."""
    return _active(user) and user.role == Role.SECURITY_ADMIN


def can_read_residents(user: Any) -> bool:
    """Staff roles that work with residents' personal data."""
    return _is_staff_reader(user)
