"""SMS gateway plugin (style.md: plugin registries, each with a demo implementation).

`settings.SMS_BACKEND` names the class; `get_sms_backend()` returns an instance. A real
gateway implements `SmsBackend.send`. `LocalOutboxBackend` is the local/demo one: it sends
nothing, it writes the message (encrypted) to the SmsMessage outbox that tests and demo
users read.
"""

from __future__ import annotations

import re
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from xinjumin.core.crypto import keyed_hash
from xinjumin.core.errors import DomainError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def phone_normalise(raw: str) -> str:
    """Strip spaces, dashes and a leading +86 / 86 country code."""
    value = re.sub(r"[\s-]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def phone_parse(raw: str, *, field: str = "phone") -> str:
    """A mainland mobile number (11 digits, 1[3-9]...), normalised; else a field error."""
    value = phone_normalise(raw)
    if not MOBILE_RE.match(value):
        raise DomainError(
            "phone_invalid",
            "手机号码格式不正确, 请输入 11 位中国大陆手机号码",
            "the phone number is not valid: enter an 11-digit mainland China mobile number",
            {field: "应为 11 位手机号码, 如 13812345678 / "
                    "an 11-digit mobile number, e.g. 13812345678"},
        )
    return value


def phone_hash(phone: str) -> str:
    """The keyed hash that finds a phone number (Resident.phone_hash, SmsCode.phone_hash)."""
    return keyed_hash(phone, purpose="phone")


class SmsBackend(Protocol):
    """What an SMS gateway plugin implements."""

    name: str

    def send(self, *, phone: str, body: str) -> str:
        """Send `body` to the mobile number `phone`; return the gateway's message id."""
        ...


class LocalOutboxBackend:
    """Local/demo gateway: nothing leaves the machine; messages land in SmsMessage.

    Development and tests only: production refuses to start with it (settings) and the
    deploy check refuses it (core.checks, xjm.E010); its outbox page is not routed there.
    """

    name = "local-outbox"

    def send(self, *, phone: str, body: str) -> str:
        from xinjumin.accounts.models import SmsMessage

        number = phone_parse(phone)
        message = SmsMessage.objects.create(phone=number, phone_hash=phone_hash(number),
                                            body=body, backend=self.name)
        return f"local-{message.pk}"


def get_sms_backend() -> SmsBackend:
    """An instance of the class named by settings.SMS_BACKEND."""
    return import_string(settings.SMS_BACKEND)()


def sms_outbox_latest(*, phone: str) -> str | None:
    """The body of the latest local-outbox message to `phone` (demo and tests)."""
    from xinjumin.accounts.models import SmsMessage

    message = SmsMessage.objects.filter(phone_hash=phone_hash(phone_parse(phone))).first()
    return message.body if message else None
