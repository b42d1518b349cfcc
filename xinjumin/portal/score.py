"""Resident portal: 我的积分 — the resident's score, every item explained (domain §7.9).

The view only reads: the explained score comes from scoring.selectors.resident_score_view
through the one door (accounts.access); districts from the geography tables.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xinjumin.accounts.access import access_own_resident
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import form_add_domain_error, is_english, is_htmx
from xinjumin.geo.models import District
from xinjumin.portal.views import resident_required
from xinjumin.scoring.selectors import resident_score_view

CATEGORY_EN = {"base": "Base items", "bonus": "Bonus items", "deduction": "Deductions"}


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


def _item_labels(view: dict[str, Any]) -> None:
    """The item and record names in the page language (the view carries both)."""
    english = is_english()
    layers = [*view["categories"], *([view["district_layer"]] if view["district_layer"]
                                     else [])]
    for category in view["categories"]:
        category["name"] = CATEGORY_EN.get(category["key"], category["name_zh"]) if (
            english) else category["name_zh"]
    for layer in layers:
        for item in layer["items"]:
            item["name"] = item["name_en"] if english else item["name_zh"]
            item["hint_texts"] = [h["en"] if english else h["zh"] for h in item["hints"]]
            for record in item["records"]:
                record["type_name"] = record["type_name_en"] if english else record[
                    "type_name_zh"]
                dept = record["department"]
                record["department_name"] = dept["name_en"] if english else dept["name_zh"]
    for freeze in view["freezes"]:
        freeze["reason"] = freeze["reason_en"] if english else freeze["reason_zh"]


@never_cache
@require_GET
@resident_required
def my_score(request: HttpRequest) -> HttpResponse:
    """The resident's score for a district (default: home district) and the common score."""
    resident = access_own_resident(user=request.user)
    form = ScoreForm(request.GET or None, initial={"district": resident.district_id})
    view, status, missing = None, 200, False
    district, as_of = resident.district_id, None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        if form.is_bound:
            district = form.cleaned_data["district"] or resident.district_id
            as_of = form.cleaned_data["as_of"]
        try:
            view = resident_score_view(user=request.user, resident=resident,
                                       district=district, as_of=as_of)
        except NotFound:
            missing = True
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status
    if view is not None:
        _item_labels(view)
    context = {"form": form, "view": view, "missing": missing, "resident": resident}
    template = "portal/_score_result.html" if is_htmx(request) else "portal/score.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request, Cookie"
    return response
