"""Back-office forms: resident search, audit filters (the staff login form is in
accounts.forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名、身份证号或手机号"), max_length=64, required=False)
    page = forms.IntegerField(min_value=1, required=False)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), max_length=64, required=False)
    action = forms.CharField(label=_("操作"), max_length=64, required=False)
    object_type = forms.CharField(label=_("对象类型"), max_length=64, required=False)
    object_id = forms.CharField(label=_("对象编号"), max_length=64, required=False)
    since = forms.DateField(label=_("起始日期"), required=False,
                            error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})
    until = forms.DateField(label=_("截止日期"), required=False,
                            error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("截止日期不能早于起始日期"))
        return data
