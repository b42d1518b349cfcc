"""Forms of the registration and permit journeys, shared by the resident portal and the
back office's counter (neither imports the other): the home chosen district → complex →
unit, a declaration, a change, a deregistration, a permit application. They say only
what is missing; the rules are the services'. Each carries a request key made when it is
shown, so a double tap or a reload registers or applies once."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xinjumin.geo.models import Complex, District, Unit
from xinjumin.permits.eligibility import CLAIMS
from xinjumin.registrations.models import Registration
from xinjumin.registrations.services import DOCUMENTS


def new_key() -> str:
    return secrets.token_urlsafe(18)


class HomeForm(forms.Form):
    """The home, chosen district → complex → unit (building and room)."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    district = forms.ChoiceField(label=_lazy("区县"), required=False)
    complex = forms.CharField(label=_lazy("小区"), required=False, max_length=64)
    unit = forms.IntegerField(label=_lazy("楼栋与房号"), required=False, min_value=1)
    employer_uscc = forms.CharField(label=_lazy("工作单位统一社会信用代码 (选填)"),
                                    required=False, max_length=18)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("请选择区县"))] + [
            (d.code, d.name) for d in District.objects.order_by("code")]

    def picked(self, name: str) -> str:
        value = self[name].value()
        return "" if value is None else str(value)

    def chosen_unit(self) -> int | None:
        value = self.cleaned_data.get("unit")
        return int(value) if value else None


class DeclareForm(HomeForm):
    arrived_on = forms.DateField(label=_lazy("来甬日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))


class ChangeForm(HomeForm):
    moved_on = forms.DateField(label=_lazy("搬迁或变更日期"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))


def home_choices(form: HomeForm) -> dict:
    """The complexes of the district and the units of the complex the form has chosen."""
    district, code = form.picked("district"), form.picked("complex")
    complexes = list(Complex.objects.filter(district_id=district).order_by("code")
                     ) if district else []
    units = []
    if code and any(c.code == code for c in complexes):
        units = list(Unit.objects.filter(building__complex__code=code)
                     .select_related("building").order_by("building__number", "number"))
    return {"complexes": complexes, "units": units, "picked_complex": code,
            "picked_unit": form.picked("unit")}


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_lazy("最后居住日"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(label=_lazy("注销原因"), choices=Registration.EndReason.choices)


class ApplyForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    claims = forms.MultipleChoiceField(
        label=_lazy("需窗口核验的条件 (选填)"), required=False,
        choices=[(k, v.zh) for k, v in CLAIMS.items()], widget=forms.CheckboxSelectMultiple)




class CounterDeclareForm(DeclareForm):
    """At a window: the identity document the clerk checked is recorded."""

    document = forms.ChoiceField(label=_lazy("核验的身份证件"), choices=list(DOCUMENTS.items()))


def apply_form_submit(form: ApplyForm, *, action: str, resident: Any, by: Any) -> Any:
    """The permit application or endorsement a valid ApplyForm asks for (the portal's and
    the counter's one way: permits.services.permit_request); the service's field errors put
    on the form and None returned when it refuses."""
    from xinjumin.core.errors import DomainError
    from xinjumin.core.web import form_add_domain_error
    from xinjumin.permits.services import permit_request

    try:
        return permit_request(action=action, resident=resident, by=by,
                              client_key=form.cleaned_data["key"],
                              claims=form.cleaned_data["claims"])
    except DomainError as error:
        form_add_domain_error(form, error)
        form.refused_status = error.status  # type: ignore[attr-defined]
        return None
