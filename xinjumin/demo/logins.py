"""What `xjm demo_logins` shows: each demo persona with its current TOTP code."""

from __future__ import annotations

from binascii import unhexlify
from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinjumin.accounts.models import User
from xinjumin.accounts.sms import sms_outbox_latest
from xinjumin.demo import personas


def totp_now(device: TOTPDevice) -> str:
    """The device's code for the current time step."""
    code = totp(unhexlify(device.key), step=device.step, t0=device.t0, digits=device.digits,
                drift=device.drift)
    return f"{code:0{device.digits}d}"


def demo_login_rows() -> dict[str, Any]:
    staff = []
    for persona in personas.STAFF:
        user = User.objects.filter(username=persona.username).first()
        if user is None:
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        staff.append({
            "username": user.username, "role": user.role, "district": user.district_id or "-",
            "password": personas.DEMO_PASSWORD,
            "totp": totp_now(device) if device else "-",
            "otpauth": device.config_url if device else "(no device)",
        })
    resident = None
    if User.objects.filter(resident__isnull=False).exists():
        resident = {"name": personas.RESIDENT_NAME, "phone": personas.RESIDENT_PHONE,
                    "district": personas.RESIDENT_DISTRICT}
    return {"staff": staff, "resident": resident}


def demo_sms_latest(*, phone: str) -> str | None:
    return sms_outbox_latest(phone=phone)
