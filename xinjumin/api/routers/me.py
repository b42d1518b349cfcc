"""The resident's own data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from xinjumin.accounts.access import access_own_resident
from xinjumin.api.auth import PERSON_AUTH, require_resident
from xinjumin.api.presenters import household_out, resident_out
from xinjumin.api.schemas import ErrorOut, MeOut
from xinjumin.people import selectors as people

router = Router(tags=["me"], auth=PERSON_AUTH)


@router.get("", response={200: MeOut, 401: ErrorOut, 403: ErrorOut},
            summary="本人信息 / My data")
def me(request: HttpRequest) -> dict[str, Any]:
    """登录居民本人的信息 (脱敏) 与家庭关系 / The logged-in resident's data (masked) and
    household links."""
    require_resident(request.user)
    resident = access_own_resident(user=request.user)
    return {"resident": resident_out(resident),
            "household": household_out(
                guardians=list(people.guardians_of(resident=resident)),
                children=list(people.children_of(resident=resident)),
                spouse=people.spouse_of(resident=resident))}
