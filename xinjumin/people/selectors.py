"""Selectors that read residents and their family links.

ID and phone numbers are encrypted: they are found only through their keyed hashes,
never by filtering the encrypted columns. Selectors do not apply scope: pass them a
queryset from accounts.access.residents_in_scope.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from points import IdentifierError, parse_id_number
from xinjumin.accounts.sms import MOBILE_RE, phone_hash, phone_normalise
from xinjumin.core.crypto import keyed_hash
from xinjumin.people.models import Guardianship, Marriage, Resident

_ID_LIKE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def id_number_hash(value: str) -> str:
    """The keyed hash of a normalised ID number (Resident.id_hash)."""
    return keyed_hash(value, purpose="id")


def _id_hash_of(raw: str) -> str | None:
    try:
        return id_number_hash(parse_id_number(raw).value)
    except IdentifierError:
        return None


def resident_by_id_number(*, id_number: str) -> Resident | None:
    """The resident with this ID number (15-digit numbers are converted), or None."""
    digest = _id_hash_of((id_number or "").strip())
    return Resident.objects.filter(id_hash=digest).first() if digest else None


def resident_search(*, queryset: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """Search within `queryset`: an ID-number-looking `q` (18/15 characters) matches that
    number exactly through the keyed hash (never a partial match); a mobile number matches
    exactly through its hash; anything else matches names containing `q`."""
    q = (q or "").strip()
    if not q:
        return queryset
    if _ID_LIKE.match(q):
        digest = _id_hash_of(q)
        return queryset.filter(id_hash=digest) if digest else queryset.none()
    number = phone_normalise(q)
    if MOBILE_RE.match(number):
        return queryset.filter(phone_hash=phone_hash(number))
    return queryset.filter(name__icontains=q[:64])


def guardians_of(*, resident: Resident) -> QuerySet[Resident]:
    """The recorded guardians of `resident`."""
    return Resident.objects.filter(
        pk__in=Guardianship.objects.filter(child=resident).values("guardian_id"))


def children_of(*, resident: Resident) -> QuerySet[Resident]:
    """The residents `resident` is recorded guardian of (of any age; scope filters minors)."""
    return Resident.objects.filter(
        pk__in=Guardianship.objects.filter(guardian=resident).values("child_id"))


def spouse_of(*, resident: Resident, on: dt.date | None = None) -> Resident | None:
    """The spouse in a marriage in force on `on` (default today), or None."""
    on = on or timezone.localdate()
    marriage = (
        Marriage.objects.filter(Q(spouse_a=resident) | Q(spouse_b=resident), since__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .select_related("spouse_a", "spouse_b").order_by("-since").first()
    )
    if marriage is None:
        return None
    return marriage.spouse_b if marriage.spouse_a_id == resident.pk else marriage.spouse_a
