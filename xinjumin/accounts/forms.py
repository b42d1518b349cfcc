"""Forms of accounts: the staff login, and account management (the security admin's
admin pages).

StaffChangeForm calls the service while validating, so a service's field-level DomainError
becomes form errors on the right fields; the admin wraps the request in a transaction.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from xinjumin.accounts.models import User
from xinjumin.accounts.services import staff_update
from xinjumin.core.errors import DomainError


class StaffLoginForm(forms.Form):
    """Username, password and TOTP code. An empty code is not a form error: it goes to
    accounts.services.staff_authenticate like a wrong one, so that it gets the one answer
    of every failed login and counts towards the lockout."""

    username = forms.CharField(label=_("用户名"), max_length=64,
                               error_messages={"required": _("请输入用户名")})
    password = forms.CharField(label=_("密码"), max_length=256, strip=False,
                               error_messages={"required": _("请输入密码")})
    token = forms.CharField(label=_("动态口令"), max_length=10, required=False)


class StaffChangeForm(forms.ModelForm):
    """Role, scope and status of an account; saved through accounts.services.staff_update."""

    actor: ClassVar[Any] = None

    class Meta:
        model = User
        fields = ["role", "district", "street", "department", "display_name", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or self.instance.pk is None:
            return data
        try:
            staff_update(
                user=self.instance, role=data.get("role", ""), district=data.get("district"),
                street=data.get("street"), department=data.get("department", ""),
                display_name=data.get("display_name", ""),
                is_active=bool(data.get("is_active")), actor=self.actor,
            )
        except DomainError as exc:
            for field, message in exc.fields.items():
                self.add_error(field if field in self.fields else None, message)
            if not exc.fields:
                self.add_error(None, f"{exc.message} / {exc.message_en}")
        return data
