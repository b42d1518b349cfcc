"""Reading registrations: a resident's, one in the caller's scope, the public check of a
certificate (number + verification code: masked data and whether it is in force), the
certificate's QR code. Selectors read and never write."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

import segno

from points import mask_id_number, mask_name
from xinjumin.accounts.roles import Role
from xinjumin.cases.selectors import residents_spoken_for
from xinjumin.registrations.models import Registration

VERIFY_PATH = "/verify/"


def registrations_of(resident: Any) -> list[Registration]:
    """The resident's registrations, the one in force and those to confirm first."""
    order = {Registration.Status.ACTIVE: 0, Registration.Status.PENDING: 1}
    rows = list(Registration.objects.filter(resident=resident)
                .select_related("district", "street", "unit__building__complex")
                .order_by("-submitted_at", "-id"))
    rows.sort(key=lambda r: order.get(r.status, 2))
    return rows


def registration_for(user: Any, registration_id: int) -> Registration | None:
    """The registration if `user` may see it: the resident (or guardian) it is about, staff
    of its district, the city admin; else None."""
    reg = (Registration.objects.select_related("resident", "district", "street",
                                               "unit__building__complex")
           .filter(pk=registration_id).first())
    if reg is None:
        return None
    if user.role == Role.RESIDENT:
        return reg if reg.resident_id in residents_spoken_for(user) else None
    if user.role == Role.CITY_ADMIN:
        return reg
    if user.role in (Role.WINDOW_STAFF, Role.REVIEWER, Role.DISTRICT_ADMIN):
        return reg if user.district_id == reg.district_id else None
    return None


def in_force(reg: Registration, day: dt.date) -> bool:
    return reg.status == Registration.Status.ACTIVE or (
        reg.status == Registration.Status.ENDED and reg.ended_on is not None
        and reg.ended_on >= day)


@dataclass(frozen=True)
class Verification:
    number: str
    in_force: bool
    status: str
    status_label: str
    name: str  # masked
    id_number: str  # masked
    district: str
    street: str
    registered_on: dt.date | None
    ended_on: dt.date | None


def registration_verify(number: str, code: str, day: dt.date) -> Verification | None:
    """What the public check page shows for a certificate: None unless both the number and
    its verification code match (a wrong code and an unknown number look the same)."""
    number = (number or "").strip().upper()[:32]
    code = (code or "").strip().upper()[:8]
    reg = (Registration.objects.select_related("resident", "district", "street")
           .filter(number=number).exclude(status=Registration.Status.PENDING).first())
    if reg is None or not hmac.compare_digest(reg.verification_code, code):
        return None
    return Verification(
        number=reg.number, in_force=in_force(reg, day), status=reg.status,
        status_label=str(Registration.Status(reg.status).label),
        name=mask_name(reg.resident.name), id_number=mask_id_number(reg.resident.id_number),
        district=reg.district.name, street=reg.street.name,
        registered_on=reg.registered_on, ended_on=reg.ended_on)


def certificate_qr_svg(reg: Registration, base_url: str) -> str:
    """The certificate's QR code (SVG): the public check page with its number and code."""
    url = f"{base_url.rstrip('/')}{VERIFY_PATH}?n={reg.number}&c={reg.verification_code}"
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=4, dark="#000", light="#fff", title="登记凭证核验二维码")
