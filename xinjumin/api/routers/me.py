"""The resident's own data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from xinjumin.accounts.access import access_own_resident
from xinjumin.api.auth import PERSON_AUTH, require_resident
from xinjumin.api.presenters import household_out, resident_out
from xinjumin.api.schemas import ErrorOut, MeOut
from xinjumin.api.schemas_score import ScoreOut, ScoreQuery
from xinjumin.api.score_cache import own_score_json
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


@router.get("/score", response={200: ScoreOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                                404: ErrorOut, 409: ErrorOut},
            summary="我的积分及说明 / My score, explained")
def my_score(request: HttpRequest, query: Query[ScoreQuery]) -> HttpResponse:
    """本人在某区县的积分和全市通用积分: 每一项的得分、最高分、计分规则、所依据的记录 (日期、
    部门; 涉及他人的部分已脱敏), 以及未满分项目怎样可以提高 / The resident's score in a
    district and the common score: each item's points, maximum, rule in plain words, the
    records behind it (date, department; masked where they concern other people) and, for
    items below their maximum, what would raise them."""
    require_resident(request.user)
    resident = access_own_resident(user=request.user)
    body = own_score_json(resident=resident, district=query.district, as_of=query.as_of)
    return HttpResponse(body, content_type="application/json")
