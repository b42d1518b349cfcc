"""Resident login forms: phone number, then the SMS code. Format rules live in the services
(accounts.sms.phone_parse, accounts.services.sms_code_login); the forms only say what is
missing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"), max_length=20,
        error_messages={"required": _("请输入手机号码")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric",
                                      "autocomplete": "tel", "maxlength": "13"}),
    )


class CodeLoginForm(PhoneForm):
    code = forms.CharField(
        label=_("短信验证码"), max_length=10,
        error_messages={"required": _("请输入短信验证码")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "maxlength": "6"}),
    )


class OutboxForm(PhoneForm):
    pass
