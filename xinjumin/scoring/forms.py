"""The score query form of the two presentation apps (the resident's 我的积分 and the back
office's score tab): which district, as of which day."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinjumin.core.web import is_english
from xinjumin.geo.models import District


class ScoreForm(forms.Form):
    district = forms.ChoiceField(label=_("查看哪个区县的积分"), required=False)
    as_of = forms.DateField(label=_("计算日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = is_english()
        self.fields["district"].choices = [
            (d.code, d.name_en if english and d.name_en else d.name)
            for d in District.objects.order_by("code")]

    def messages(self) -> list[str]:
        """Every error of the form, each as one sentence a person reads where the result
        would have been ("计算日期: 日期格式应为 YYYY-MM-DD")."""
        out = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            out += [f"{label}: {e}" if label else str(e) for e in errors]
        return out
