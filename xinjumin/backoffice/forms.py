"""Back-office forms: staff login, resident search, audit filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=64,
                               error_messages={"required": _("请输入用户名")})
    password = forms.CharField(label=_("密码"), max_length=256, strip=False,
                               error_messages={"required": _("请输入密码")})
    token = forms.CharField(label=_("动态口令"), max_length=10,
                            error_messages={"required": _("请输入验证器上的 6 位动态口令")})


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
