"""Back office: what each department has sent about a resident (with version history) and
the resident's explained score — both through the one door (records_history_for and
resident_score_view check the scope, answer NotFound outside it, and audit the read)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from xinjumin.accounts.access import can_read_residents, residents_in_scope
from xinjumin.backoffice.web import page, staff_required
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import error_message, is_english
from xinjumin.portal.score import ScoreForm, _item_labels
from xinjumin.records.selectors import records_history_for
from xinjumin.scoring.explain import department, record_type
from xinjumin.scoring.selectors import resident_score_view


def _require_reader(request: HttpRequest) -> None:
    if not can_read_residents(request.user):
        raise Http404


def _in_scope(request: HttpRequest, resident_id: int):  # type: ignore[no-untyped-def]
    """The page header's resident, by the scope filter of accounts.access (the read itself
    is audited once, by the selector that returns the data)."""
    resident = residents_in_scope(user=request.user).filter(pk=resident_id).first()
    if resident is None:
        raise Http404
    return resident


@require_GET
@staff_required
def resident_records(request: HttpRequest, resident_id: int) -> HttpResponse:
    _require_reader(request)
    try:
        history = records_history_for(user=request.user, resident=resident_id)
    except NotFound:
        raise Http404 from None
    resident = _in_scope(request, resident_id)
    english = is_english()
    departments = []
    for source, views in history.items():
        dept = department(source)
        for v in views:
            zh, en, date_field = record_type(v.type)
            v.type_name = en if english else zh
            v.date = v.fields.get(date_field)
        departments.append({"code": source, "records": views,
                            "name": dept["name_en"] if english else dept["name_zh"]})
    context = {"resident": resident, "departments": departments, "tab": "records"}
    return page(request, "backoffice/resident_records.html", context, active="residents")


@require_GET
@staff_required
def resident_score(request: HttpRequest, resident_id: int) -> HttpResponse:
    _require_reader(request)
    resident = _in_scope(request, resident_id)
    form = ScoreForm(request.GET or None, initial={"district": resident.district_id})
    view, error, status = None, "", 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            view = resident_score_view(user=request.user, resident=resident,
                                       district=data.get("district") or resident.district_id,
                                       as_of=data.get("as_of"))
            _item_labels(view)
        except NotFound:
            view = None
        except DomainError as exc:
            error, status = error_message(exc), exc.status
    context = {"resident": resident, "form": form, "view": view, "missing": view is None,
               "error": error, "tab": "score"}
    return page(request, "backoffice/resident_score.html", context, active="residents",
                status=status)
