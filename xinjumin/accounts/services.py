"""Account services: resident login by SMS code; staff accounts with password + TOTP.

Residents log in with their phone number and a 6-digit code sent by SMS (one-time,
hashed at rest, expiring, limited attempts, rate-limited per phone and per client
address). Staff log in with username + password (django-axes counts failures and locks
per username and client address) + a TOTP token (django-otp); a lockout ends the
account's sessions and API tokens. Every account change, every login and every failed
login step leaves an audit event.
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from points import mask_phone
from xinjumin.accounts.models import SmsAddressWindow, SmsCode, User, UserSession
from xinjumin.accounts.roles import DISTRICT_SCOPED_ROLES, STAFF_ROLES, Role
from xinjumin.accounts.sms import get_sms_backend, phone_hash, phone_parse
from xinjumin.audit.services import audit_record
from xinjumin.core.addresses import client_address
from xinjumin.core.crypto import keyed_hash
from xinjumin.core.errors import DomainError
from xinjumin.geo.models import District, Street
from xinjumin.people.models import Resident

SMS_BODY = ("【宁波新居民】您的登录验证码为 {code}, {minutes} 分钟内有效。"
            "如非本人操作, 请忽略本短信。")
_CODE_RE = re.compile(r"^\d{6}$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
RESIDENT_USERNAME_PREFIX = "resident-"


# --- resident login by SMS code ---------------------------------------------------------

def _code_hash(phone_digest: str, code: str) -> str:
    # Keyed (server secret) and salted with the phone hash: a leaked table reveals no code.
    return keyed_hash(f"{phone_digest}:{code}", purpose="sms_code")


def _wait_text(seconds: int) -> tuple[str, str]:
    if seconds < 60:
        return f"{seconds} 秒", f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} 分钟", f"{minutes} minutes"


def _too_many(code: str, zh_what: str, en_what: str, retry_after: timedelta) -> DomainError:
    """A 429 that says when to try again (and carries it for a Retry-After header)."""
    seconds = max(1, math.ceil(retry_after.total_seconds()))
    zh, en = _wait_text(seconds)
    error = DomainError(code, f"{zh_what}, 请 {zh}后再试", f"{en_what}; try again in {en}",
                        {"phone": f"请 {zh}后再试 / try again in {en}"}, 429)
    error.retry_after = seconds  # type: ignore[attr-defined]  # for a Retry-After header
    return error


def _rate_limited(retry_after: timedelta) -> DomainError:
    return _too_many("sms_rate_limited", "验证码发送过于频繁",
                     "too many codes requested for this number", retry_after)


def _lock_phone(digest: str) -> None:
    # Serialise requests for one phone so two concurrent requests cannot both pass the
    # rate limit. SQLite already serialises writers (transaction_mode IMMEDIATE).
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [int(digest[:15], 16)])


def _address_limited(retry_after: timedelta) -> DomainError:
    return _too_many("sms_address_rate_limited", "本网络请求验证码过于频繁",
                     "too many codes requested from this network address", retry_after)


def _address_slot_take(*, address: str, now: datetime) -> None:
    """Count one code request from `address` in the current window, or raise 429.

    The window's row is created once (unique key; a concurrent creator's row is kept) and
    raised by a conditional UPDATE (count < limit): however many requests race, at most
    SMS_CODE_MAX_PER_ADDRESS pass in a window. Committed on its own, so a request the
    per-phone limit then refuses still counts.
    """
    window = settings.SMS_CODE_ADDRESS_WINDOW_SECONDS
    limit = settings.SMS_CODE_MAX_PER_ADDRESS
    start = datetime.fromtimestamp(int(now.timestamp()) // window * window, tz=UTC)
    digest = keyed_hash(address, purpose="client_address")
    with transaction.atomic():
        SmsAddressWindow.objects.bulk_create(
            [SmsAddressWindow(address_hash=digest, window_start=start)], ignore_conflicts=True)
        taken = SmsAddressWindow.objects.filter(
            address_hash=digest, window_start=start, count__lt=limit,
        ).update(count=F("count") + 1)
        # Windows of the day before are of no use any more (indexed, usually nothing).
        SmsAddressWindow.objects.filter(window_start__lt=start - timedelta(days=1)).delete()
    if taken != 1:
        raise _address_limited(start + timedelta(seconds=window) - now)


def sms_code_request(*, phone: str, address: str, now: datetime | None = None) -> None:
    """Send a one-time login code to `phone` if a resident has that number.

    `address` is the client's address (core.addresses.client_address; "" for a caller
    without one, such as a command): at most SMS_CODE_MAX_PER_ADDRESS requests per
    SMS_CODE_ADDRESS_WINDOW_SECONDS from one address, whatever the numbers. The answer is
    the same whether or not the number is known (no SMS is sent for an unknown number, but
    the request is stored and rate-limited alike). Raises DomainError "phone_invalid"
    (field `phone`), "sms_address_rate_limited" or "sms_rate_limited" (429, says when to
    retry).
    """
    number = phone_parse(phone)
    now = now or timezone.now()
    digest = phone_hash(number)
    if address:
        _address_slot_take(address=address, now=now)
    resend = timedelta(seconds=settings.SMS_CODE_RESEND_SECONDS)
    per_hour = settings.SMS_CODE_MAX_PER_HOUR
    with transaction.atomic():
        _lock_phone(digest)
        sent = list(
            SmsCode.objects.filter(phone_hash=digest, created_at__gt=now - timedelta(hours=1),
                                   created_at__lte=now)
            .order_by("created_at").values_list("created_at", flat=True)
        )
        if sent and now - sent[-1] < resend:
            raise _rate_limited(sent[-1] + resend - now)
        if len(sent) >= per_hour:
            raise _rate_limited(sent[len(sent) - per_hour] + timedelta(hours=1) - now)
        known = Resident.objects.filter(phone_hash=digest).exists()
        code = f"{secrets.randbelow(10**6):06d}"
        # An unknown number gets a code nobody knows: stored for the rate limit only.
        stored = _code_hash(digest, code if known else secrets.token_hex(16))
        ttl = settings.SMS_CODE_TTL_SECONDS
        SmsCode.objects.create(phone_hash=digest, code_hash=stored, created_at=now,
                               expires_at=now + timedelta(seconds=ttl))
        if known:
            body = SMS_BODY.format(code=code, minutes=max(1, ttl // 60))
            get_sms_backend().send(phone=number, body=body)


def _code_error(code: str, zh: str, en: str, status: int = 400) -> DomainError:
    return DomainError(code, zh, en, {"code": f"{zh} / {en}"}, status)


def _code_expired() -> DomainError:
    return _code_error("sms_code_expired", "验证码已失效, 请重新获取",
                       "the code is no longer valid; request a new one")


def _code_dead() -> DomainError:
    return _code_error("sms_code_attempts_exceeded", "验证码错误次数过多, 已失效, 请重新获取",
                       "too many wrong codes: this code is dead; request a new one")


def _try_take(*, code_id: int, limit: int) -> int | None:
    """Take one try of a code before comparing: UPDATE ... SET attempts = attempts + 1
    WHERE id = ? AND attempts < limit, in autocommit. However many guesses race, at most
    `limit` are compared. The tries used so far, or None if none was left (or the code was
    used meanwhile)."""
    table = connection.ops.quote_name(SmsCode._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET attempts = attempts + 1 "  # noqa: S608 (a model's table)
                    "WHERE id = %s AND used_at IS NULL AND attempts < %s RETURNING attempts",
                    [code_id, limit])
        row = cur.fetchone()
    return None if row is None else int(row[0])


def _resident_login_refused(*, error: DomainError, number: str, code_id: int | None,
                            reason: str) -> DomainError:
    """Audit a failed resident login step (the number masked) and return the error."""
    audit_record(action="auth.resident_login_failed", object_type="sms_code",
                 object_id=code_id or "",
                 detail={"reason": reason, "phone": mask_phone(number)})
    return error


def sms_code_login(*, phone: str, code: str, now: datetime | None = None) -> User:
    """Log a resident in with the latest code sent to `phone`; return the account.

    A code is used once (a conditional UPDATE claims it, so two concurrent logins cannot
    both succeed), expires after SMS_CODE_TTL_SECONDS and allows SMS_CODE_MAX_ATTEMPTS
    tries, each taken by an atomic conditional UPDATE before the code is compared (so
    parallel guesses cannot exceed it). The resident's account is created on first login.
    Every refusal is audited "auth.resident_login_failed" (reason "format", "expired",
    "attempts_exceeded", "wrong"). Do not call inside an outer transaction: a wrong try
    and its audit event must stay although the call raises.
    """
    number = phone_parse(phone)
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        raise _resident_login_refused(
            error=_code_error("sms_code_invalid", "验证码应为 6 位数字", "the code has 6 digits"),
            number=number, code_id=None, reason="format")
    now = now or timezone.now()
    digest = phone_hash(number)
    limit = settings.SMS_CODE_MAX_ATTEMPTS
    latest = (SmsCode.objects.filter(phone_hash=digest, created_at__lte=now)
              .order_by("-created_at", "-id").first())
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        raise _resident_login_refused(error=_code_expired(), number=number,
                                      code_id=latest.pk if latest else None, reason="expired")
    used = _try_take(code_id=latest.pk, limit=limit)
    if used is None:
        raise _resident_login_refused(error=_code_dead(), number=number, code_id=latest.pk,
                                      reason="attempts_exceeded")
    if not hmac.compare_digest(latest.code_hash, _code_hash(digest, code)):
        left = limit - used
        error = _code_dead() if left <= 0 else _code_error(
            "sms_code_wrong", f"验证码错误, 还可尝试 {left} 次", f"wrong code; {left} tries left")
        raise _resident_login_refused(error=error, number=number, code_id=latest.pk,
                                      reason="wrong")
    refused: tuple[DomainError, str] | None = None
    with transaction.atomic():
        # The try was taken above, so the number of attempts is no longer a condition.
        claimed = SmsCode.objects.filter(
            pk=latest.pk, used_at__isnull=True, expires_at__gt=now,
        ).update(used_at=now)
        # the number may have been taken off the resident meanwhile
        resident = Resident.objects.filter(phone_hash=digest).first() if claimed == 1 else None
        user = resident_account_for(resident) if resident is not None else None
        if user is None:
            refused = _code_expired(), "expired"
        elif not user.is_active:
            refused = DomainError("account_disabled", "该账户已停用, 请联系窗口工作人员",
                                  "this account is disabled; contact a service window",
                                  {}, 403), "account_disabled"
        else:
            User.objects.filter(pk=user.pk).update(last_login=now)
            audit_record(action="auth.resident_login", object_type="user", object_id=user.pk,
                         actor=user)
    if refused is not None or user is None:
        error, reason = refused or (_code_expired(), "expired")
        raise _resident_login_refused(error=error, number=number, code_id=latest.pk,
                                      reason=reason)
    return user


def resident_account_for(resident: Resident) -> User:
    """The resident's account, created on first use (role resident, no usable password)."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            resident=resident,
            defaults={"username": f"{RESIDENT_USERNAME_PREFIX}{resident.pk}",
                      "role": Role.RESIDENT, "password": make_password(None)},
        )
        if created:
            audit_record(action="account.create", object_type="user", object_id=user.pk,
                         detail={"role": Role.RESIDENT, "resident": resident.pk}, actor=user)
    return user


# --- staff accounts -------------------------------------------------------------------

def _password_problems(password: str, user: User) -> str | None:
    try:
        with translation.override("zh-hans"):
            validate_password(password, user)
    except ValidationError as zh_error:
        with translation.override("en"):
            try:
                validate_password(password, user)
            except ValidationError as en_error:
                return " ".join(zh_error.messages) + " / " + " ".join(en_error.messages)
    return None


def _resolve_scope(role: str, district: Any, street: Any,
                   fields: dict[str, str]) -> tuple[District | None, Street | None]:
    """District and street instances from instances or codes; problems go into `fields`."""
    if isinstance(district, str):
        code = district
        district = District.objects.filter(pk=code).first() if code else None
        if code and district is None:
            fields["district"] = f"没有代码为 {code} 的区县 / no district {code}"
    if isinstance(street, str):
        code = street
        street = Street.objects.filter(pk=code).first() if code else None
        if code and street is None:
            fields["street"] = f"没有代码为 {code} 的街道 / no street {code}"
    if role in DISTRICT_SCOPED_ROLES:
        if district is None:
            fields.setdefault("district", "该角色必须指定所属区县 / this role needs a district")
    elif district is not None or street is not None:
        fields["district"] = "该角色不限区县, 不能指定区县或街道 / this role has no district scope"
    if street is not None and district is not None and street.district_id != district.pk:
        fields["street"] = "街道必须属于所属区县 / the street must be in the district"
    return district, street


def _invalid_account(fields: dict[str, str]) -> DomainError:
    return DomainError("invalid_account", "账户信息有误, 请按提示修改",
                       "the account data are not valid; see the fields", fields)


@transaction.atomic
def staff_create(*, username: str, password: str, role: str, district: Any = None,
                 street: Any = None, department: str = "", display_name: str = "",
                 actor: Any = None) -> User:
    """Create a staff account (not yet able to log in until a TOTP device is enrolled).

    `district`/`street` are model instances or codes; district-scoped roles need a
    district, the others must have none. The password passes AUTH_PASSWORD_VALIDATORS.
    Raises a field-level DomainError; audited "account.create".
    """
    fields: dict[str, str] = {}
    username = (username or "").strip()
    if not _USERNAME_RE.match(username) or username.startswith(RESIDENT_USERNAME_PREFIX):
        fields["username"] = ("3-64 位字母、数字或 _ . -, 不能以 resident- 开头 / "
                              "3-64 letters, digits or _ . - not starting with resident-")
    elif User.objects.filter(username__iexact=username).exists():
        fields["username"] = "该用户名已被使用 / this username is taken"
    if role not in STAFF_ROLES:
        fields["role"] = "请选择一个工作人员角色 / choose a staff role"
    district, street = _resolve_scope(role, district, street, fields)
    user = User(username=username, role=role, district=district, street=street,
                department=(department or "").strip().upper(),
                display_name=(display_name or "").strip(), is_staff=True)
    problems = _password_problems(password or "", user)
    if problems:
        fields["password"] = problems
    if fields:
        raise _invalid_account(fields)
    user.set_password(password)
    user.save()
    audit_record(action="account.create", object_type="user", object_id=user.pk,
                 detail={"role": role, "district": user.district_id or "",
                         "street": user.street_id or ""}, actor=actor)
    return user


@transaction.atomic
def staff_update(*, user: User, role: str, district: Any = None, street: Any = None,
                 department: str = "", display_name: str = "", is_active: bool = True,
                 actor: Any = None) -> User:
    """Change a staff account's role, scope and status (the security admin's job).

    Nobody changes their own role or disables themselves; resident accounts keep their
    role. Audited "account.update" with the before/after role and scope.
    """
    fields: dict[str, str] = {}
    if user.role == Role.RESIDENT:
        if role != Role.RESIDENT:
            fields["role"] = "居民账户不能改为工作人员 / a resident account stays a resident"
    elif role not in STAFF_ROLES:
        fields["role"] = "请选择一个工作人员角色 / choose a staff role"
    if actor is not None and getattr(actor, "pk", None) == user.pk and (
            role != user.role or not is_active):
        fields["role"] = "不能修改自己的角色或停用自己 / you cannot change your own role"
    if user.role != Role.RESIDENT:
        district, street = _resolve_scope(role, district, street, fields)
    else:
        district, street = None, None
    if fields:
        raise _invalid_account(fields)
    before = {"role": user.role, "district": user.district_id or "",
              "street": user.street_id or "", "is_active": user.is_active}
    user.role, user.district, user.street, user.is_active = role, district, street, is_active
    user.department = (department or "").strip().upper()
    user.display_name = (display_name or "").strip() if role != Role.RESIDENT else ""
    user.save(update_fields=["role", "district", "street", "is_active", "department",
                             "display_name"])
    after = {"role": user.role, "district": user.district_id or "",
             "street": user.street_id or "", "is_active": user.is_active}
    audit_record(action="account.update", object_type="user", object_id=user.pk,
                 detail={"before": before, "after": after}, actor=actor)
    return user


@transaction.atomic
def staff_totp_device_create(*, user: User, actor: Any = None) -> tuple[TOTPDevice, str]:
    """(Re-)enrol the staff account's TOTP device; return it and its otpauth:// URI.

    Any earlier device is removed, so a lost phone is handled by enrolling again.
    Audited "account.totp_enrolled".
    """
    if user.role not in STAFF_ROLES:
        raise DomainError("not_staff", "只有工作人员账户使用动态口令",
                          "only staff accounts use TOTP", {"user": "不是工作人员 / not staff"})
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    audit_record(action="account.totp_enrolled", object_type="user", object_id=user.pk,
                 actor=actor)
    return device, device.config_url


def _login_error(code: str, zh: str, en: str, status: int = 401,
                 fields: dict[str, str] | None = None) -> DomainError:
    return DomainError(code, zh, en, fields or {}, status)


def _locked_out() -> DomainError:
    hours = settings.AXES_COOLOFF_TIME
    return _login_error("locked_out",
                        f"登录失败次数过多, 账户已锁定 {hours} 小时, 请稍后再试或联系安全管理员",
                        f"too many failed logins: the account is locked for {hours} hour(s); "
                        "try later or ask the security admin", 403)


# One answer for every failed staff login (unknown user, wrong password, an inactive or
# resident account, a wrong, missing or unenrolled TOTP code): a different answer for a
# wrong code would tell an attacker that the password was right. The audit event keeps
# the reason; every failure counts towards the django-axes lockout.
LOGIN_FAILED_ZH = "用户名、密码或动态口令错误, 请核对后重试"
LOGIN_FAILED_EN = "wrong username, password or one-time code; check them and try again"


def _login_failed() -> DomainError:
    return _login_error("login_failed", LOGIN_FAILED_ZH, LOGIN_FAILED_EN)


def _staff_login_refused(*, request: HttpRequest, username: str, user: User | None,
                         reason: str, signal: bool) -> DomainError:
    """Audit a failed staff login, count it for django-axes (`signal`: authenticate did not
    count it already), and return the error to raise: locked out, or the one answer."""
    if signal:
        user_login_failed.send(sender=__name__, credentials={"username": username},
                               request=request)
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record(action="auth.staff_login_failed", object_type="user",
                 object_id=user.pk if user is not None else "",
                 detail={"username": username[:64],
                         "reason": "locked_out" if locked else reason,
                         "address": client_address(request)},
                 actor=username[:64] or None)
    return _locked_out() if locked else _login_failed()


def staff_authenticate(*, request: HttpRequest, username: str, password: str,
                       token: str) -> User:
    """Check a staff login: password (django-axes lockout) then TOTP token.

    Returns the user with `user.otp_device` set to the verified device (pass it to
    django_otp.login for a session). Every failure counts for axes and raises the same
    DomainError "login_failed" (401, no field named), whatever was wrong; "locked_out"
    (403) once the account is locked. Audited "auth.staff_login" /
    "auth.staff_login_failed" (with the reason: "password", "totp", "totp_not_enrolled",
    "locked_out"). The caller still calls django.contrib.auth.login.
    """
    username = (username or "").strip()
    user = authenticate(request=request, username=username, password=password or "")
    if user is None or user.role not in STAFF_ROLES:
        # authenticate counted a wrong password; a resident account with a password it
        # accepted is not a staff login and is counted here
        raise _staff_login_refused(request=request, username=username, user=None,
                                   reason="password", signal=user is not None)
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    if not devices:
        raise _staff_login_refused(request=request, username=username, user=user,
                                   reason="totp_not_enrolled", signal=True)
    token = re.sub(r"\s", "", token or "")
    device = next((d for d in devices if token.isdigit() and d.verify_token(token)), None)
    if device is None:
        raise _staff_login_refused(request=request, username=username, user=user,
                                   reason="totp", signal=True)
    if settings.AXES_RESET_ON_SUCCESS:
        from axes.handlers.proxy import AxesProxyHandler

        # only this address's count: a clerk logging in elsewhere must not wipe the
        # count of someone guessing from another address
        AxesProxyHandler.reset_attempts(username=user.username,
                                        ip_address=client_address(request))
    user.otp_device = device  # type: ignore[attr-defined]
    audit_record(action="auth.staff_login", object_type="user", object_id=user.pk, actor=user)
    return user


@transaction.atomic
def staff_lockout_end_sessions(*, username: str, address: str) -> tuple[int, int] | None:
    """End every browser session and revoke every live API token of the account that
    django-axes just locked out from `address`, so that a session or token obtained
    before the lockout stops working at once. Called by the axes user_locked_out signal
    (accounts.apps); audited "account.locked_out". Returns (sessions, tokens) ended, or
    None when there was nothing to do.

    Once per lockout of a (username, address) pair: axes signals again at every failure
    while locked out, and ending the clerk's new sessions (opened from elsewhere, with
    password and TOTP) at each of them would hand a guesser the denial of service that
    keying the lockout by address took away.
    """
    from axes.helpers import get_cool_off

    from xinjumin.api.models import ApiToken
    from xinjumin.audit.models import AuditEvent

    name = (username or "")[:64]
    user = User.objects.filter(username=name).first()
    if user is None:
        return None  # no account: the failed attempts themselves are audited
    now = timezone.now()
    since = now - (get_cool_off() or timedelta(0))
    if AuditEvent.objects.filter(action="account.locked_out", object_id=str(user.pk),
                                 at__gte=since, detail__address=address).exists():
        return None
    sessions, _ = UserSession.objects.filter(user_id=user.pk).delete()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True,
                                     expires_at__gt=now).update(revoked_at=now)
    audit_record(action="account.locked_out", object_type="user", object_id=user.pk,
                 detail={"username": name, "address": address,
                         "sessions_ended": sessions, "tokens_revoked": tokens},
                 actor=name or None)
    return sessions, tokens
