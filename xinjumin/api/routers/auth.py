"""Logging in: residents by SMS code, staff by password + TOTP; logout revokes the token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from xinjumin.accounts import services as accounts
from xinjumin.api.auth import BearerAuth
from xinjumin.api.credentials import api_token_issue, api_token_revoke
from xinjumin.api.models import ApiToken
from xinjumin.api.schemas import (
    ErrorOut,
    MessageOut,
    ResidentTokenIn,
    SmsCodeIn,
    StaffTokenIn,
    TokenOut,
)
from xinjumin.core.addresses import client_address

router = Router(tags=["auth"])

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


def _token_out(user: Any, kind: str) -> dict[str, Any]:
    issued = api_token_issue(user=user, kind=kind)
    return {
        "token": issued.token,
        "token_type": "Bearer",
        "expires_at": issued.expires_at,
        "account": {"username": user.username, "display_name": user.display_name,
                    "role": user.role, "district": user.district_id},
    }


@router.post("/sms-code", auth=None, response={202: MessageOut, 400: ErrorOut, 429: ErrorOut},
             summary="发送登录验证码 / Send a login code by SMS")
def sms_code(request: HttpRequest, payload: SmsCodeIn) -> Status:
    """向已登记的手机号发送 6 位验证码; 未登记的号码得到相同答复 (不泄露是否登记); 每个号码
    及每个客户端地址请求次数有限 (429) / Sends a 6-digit code to a registered number; an
    unknown number gets the same answer; requests per number and per client address are
    limited (429)."""
    accounts.sms_code_request(phone=payload.phone, address=client_address(request))
    return Status(202, {"message": "如该号码已登记, 验证码已发送, 5 分钟内有效",
                 "message_en": "if the number is registered, a code was sent (valid 5 minutes)"})


@router.post("/resident-token", auth=None, response={200: TokenOut, **_ERRORS},
             summary="居民以验证码换取令牌 / Resident token from an SMS code")
def resident_token(request: HttpRequest, payload: ResidentTokenIn) -> dict[str, Any]:
    """手机号 + 短信验证码 → 8 小时有效的访问令牌 / phone + SMS code → an 8-hour token."""
    user = accounts.sms_code_login(phone=payload.phone, code=payload.code)
    return _token_out(user, ApiToken.Kind.RESIDENT)


@router.post("/staff-token", auth=None, response={200: TokenOut, **_ERRORS},
             summary="工作人员以密码和动态口令换取令牌 / Staff token from password + TOTP")
def staff_token(request: HttpRequest, payload: StaffTokenIn) -> dict[str, Any]:
    """用户名 + 密码 + 动态口令 (TOTP) → 8 小时有效的访问令牌; 任何一项错误都得到同一答复
    (401 login_failed, 不指明哪一项); 连续 5 次失败锁定账户 / username + password + TOTP →
    an 8-hour token; whatever was wrong, the answer is the same (401 login_failed, naming no
    field); 5 failures lock the account."""
    user = accounts.staff_authenticate(request=request, username=payload.username,
                                       password=payload.password, token=payload.totp)
    return _token_out(user, ApiToken.Kind.STAFF)


@router.post("/logout", auth=BearerAuth(), response={204: None, 401: ErrorOut},
             summary="注销令牌 / Revoke the token")
def logout(request: HttpRequest) -> Status:
    """注销当前令牌, 之后使用该令牌将得到 401 / Revokes the presented token (then 401)."""
    api_token_revoke(record=request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)
