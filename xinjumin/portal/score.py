"""Resident portal: 我的积分 — the resident's score, every item explained (domain §7.9).

One way through: access (the resident's own record) → the service that explains the
score on its first read (scoring.services.score_explain) → the selector that reads the
typed view (scoring.selectors.score_view) → the template, which shows its labels in the
page language (`|tr`). Errors are shown in the result area, where the resident looks.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xinjumin.accounts.access import access_own_resident
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import error_message, form_add_domain_error, is_htmx
from xinjumin.portal.views import resident_required
from xinjumin.scoring.forms import ScoreForm
from xinjumin.scoring.selectors import score_view
from xinjumin.scoring.services import score_explain


@never_cache
@require_GET
@resident_required
def my_score(request: HttpRequest) -> HttpResponse:
    """The resident's score for a district (default: home district) and the common score."""
    resident = access_own_resident(user=request.user)
    form = ScoreForm(request.GET or None, initial={"district": resident.district_id})
    view, status, missing, problem = None, 200, False, ""
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            explained = score_explain(id_number=resident.id_number, as_of=data.get("as_of"))
            view = score_view(explained=explained, resident_pk=resident.pk,
                              district=data.get("district") or resident.district_id)
        except NotFound:
            missing = True
        except DomainError as error:
            form_add_domain_error(form, error)
            problem, status = error_message(error), error.status
    context = {"form": form, "view": view, "missing": missing, "resident": resident,
               "errors": [m for m in dict.fromkeys([problem, *form.messages()]) if m]}
    template = "xjm/_score_result.html" if is_htmx(request) else "portal/score.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request, Cookie"
    return response
