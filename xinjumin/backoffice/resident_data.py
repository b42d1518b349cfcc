"""Back office: what each department has sent about a resident (with version history) and
the resident's explained score — both through the one door (records_history_for and
access_resident check the scope, answer NotFound outside it, and audit the read).

Every record field and code is shown with its label in the page language
(xinjumin.labels); the score tab renders the same typed view as the resident's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from xinjumin import labels
from xinjumin.accounts.access import access_resident, residents_in_scope
from xinjumin.backoffice.web import page, staff_required
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import bilingual, error_message
from xinjumin.records.selectors import records_history_for
from xinjumin.scoring.forms import ScoreForm
from xinjumin.scoring.selectors import score_view
from xinjumin.scoring.services import score_explain


def _in_scope(request: HttpRequest, resident_id: int):  # type: ignore[no-untyped-def]
    """The page header's resident, by the scope filter of accounts.access (the read itself
    is audited once, by the selector or door that returns the data)."""
    resident = residents_in_scope(user=request.user).filter(pk=resident_id).first()
    if resident is None:
        raise Http404
    return resident


@dataclass(frozen=True)
class VersionRow:
    version: int
    retracted: bool
    received_at: Any
    batch_id: int
    fields: list[tuple[str, str]]  # (label, value) in the page language


@dataclass(frozen=True)
class RecordRow:
    type_name: str
    record_id: str
    date: str | None
    version: int
    retracted: bool
    role: str
    fields: list[tuple[str, str]]
    versions: list[VersionRow]


def _record_rows(views: list[Any], lang: str) -> list[RecordRow]:
    rows = []
    for v in views:
        date = v.fields.get(labels.record_date_field(v.type))
        rows.append(RecordRow(
            type_name=labels.record_type(v.type).in_(lang), record_id=v.record_id,
            date=labels.value_text(v.type, labels.record_date_field(v.type), date, lang)
            if date else None,
            version=v.version, retracted=v.retracted, role=v.role,
            fields=labels.record_fields(v.type, v.fields, lang),
            versions=[VersionRow(x.version, x.op == "retract", x.received_at, x.batch_id,
                                 labels.record_fields(v.type, x.fields, lang))
                      for x in v.versions]))
    return rows


@require_GET
@staff_required
def resident_records(request: HttpRequest, resident_id: int) -> HttpResponse:
    try:  # the door refuses (and audits) other scopes and roles without resident data
        history = records_history_for(user=request.user, resident=resident_id)
    except NotFound:
        raise Http404 from None
    resident = _in_scope(request, resident_id)
    lang = get_language() or "zh-hans"
    departments = [{"code": source, "name": labels.department(source).in_(lang),
                    "records": _record_rows(views, lang)}
                   for source, views in history.items()]
    context = {"resident": resident, "departments": departments, "tab": "records"}
    return page(request, "backoffice/resident_records.html", context, active="residents")


@require_GET
@staff_required
def resident_score(request: HttpRequest, resident_id: int) -> HttpResponse:
    try:  # the door first: a refusal is audited (accounts.access), the read too
        resident = access_resident(user=request.user, resident_id=resident_id,
                                   purpose="score")
    except NotFound:
        raise Http404 from None
    form = ScoreForm(request.GET or None, initial={"district": resident.district_id})
    view, errors, status, missing = None, [], 200, False
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
        except DomainError as exc:
            errors, status = [error_message(exc)], exc.status
            errors += [f"{form.fields[k].label}: {bilingual(v)}"
                       for k, v in (exc.fields or {}).items() if k in form.fields]
    context = {"resident": resident, "form": form, "view": view, "missing": missing,
               "errors": errors or form.messages(), "tab": "score"}
    return page(request, "backoffice/resident_score.html", context, active="residents",
                status=status)
