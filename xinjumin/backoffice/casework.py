"""Back office: 待办 — the cases of the staff member's role and district, earliest deadline
first, with filters and counts; one case with its history, files and the decision.

One way through: the queue and the case come from cases.selectors (scope as a queryset
filter: a reviewer sees their department's cases in their district, never one they are
excluded from; window clerks and district admins their district's); a step goes through
cases.services.case_act (the transition table, a conditional UPDATE: of two clerks
deciding at once, one wins and the other reads why); a file opens through
cases.evidence.evidence_open (audited). An acceptance of evidence carries the record the
evidence shows: its type among the department's, its fields generated from the feed
format (points.TYPES), so the decision is a record like any department's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from points import TYPES, TYPES_BY_SOURCE, Kind
from xinjumin import labels
from xinjumin.accounts.access import access_resident_reader
from xinjumin.accounts.roles import Role
from xinjumin.backoffice.web import page, staff_required
from xinjumin.cases import machine
from xinjumin.cases.evidence import evidence_open
from xinjumin.cases.models import Case
from xinjumin.cases.selectors import case_actions, case_for, case_overdue, case_queue, office_today
from xinjumin.cases.services import case_act
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import error_message
from xinjumin.scoring.rulesets import rule_set_in_force

PAGE_SIZE = 50
_DATE_KINDS = {Kind.DATE}


class QueueFilter(forms.Form):
    kind = forms.ChoiceField(label=_lazy("类型"), required=False,
                             choices=[("", _lazy("全部")), *Case.Kind.choices])
    status = forms.ChoiceField(label=_lazy("状态"), required=False,
                               choices=[("", _lazy("未办结")), *Case.Status.choices])
    overdue = forms.BooleanField(label=_lazy("只看逾期"), required=False)


def _reader(request: HttpRequest) -> None:
    try:  # roles without resident data are refused, audited (accounts.access)
        access_resident_reader(user=request.user, purpose="cases")
    except NotFound:
        raise Http404 from None


@require_GET
@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    """待办: earliest deadline first; the counts of the whole scope."""
    _reader(request)
    form = QueueFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = office_today()
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    queue = case_queue(user=request.user, kind=data.get("kind", ""),
                       status=data.get("status", ""), overdue=bool(data.get("overdue")),
                       today=today, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, -(-queue.total // PAGE_SIZE))
    # the labels once a page, not once a row (get_FOO_display resolves the lazy choices
    # each time: ~10 ms of a 66 ms page of 50 rows, bench/bench_queue.py)
    kinds = {k: str(v) for k, v in Case.Kind.choices}
    statuses = {k: str(v) for k, v in Case.Status.choices}
    rows = [{"case": c, "overdue": case_overdue(c, today), "kind": kinds[c.kind],
             "status": statuses[c.status], "name": c.resident.masked_name}
            for c in queue.cases]
    query = request.GET.copy()
    query.pop("page", None)
    return page(request, "backoffice/cases.html",
                {"form": form, "queue": queue, "rows": rows, "number": number,
                 "provisional": any(c.due_provisional for c in queue.cases),
                 "pages": pages, "query": query.urlencode()}, active="cases")


def _visible(request: HttpRequest, case_id: int) -> Case:
    case = case_for(request.user, case_id)
    if case is None:
        raise Http404
    return case


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else str(_lazy("系统"))


def _item_name(key: str, lang: str) -> str:
    """The item's name in the indicator system in force (its key when none is)."""
    if not key:
        return ""
    try:
        items = {i.key: i for i in rule_set_in_force(as_of=office_today()).items}
    except LookupError:
        return key
    item = items.get(key)
    return labels.name_for_key(key, item.name_zh if item else "", lang,
                               item.name_en if item else "")


def _record_fields(type_: str, lang: str) -> list[dict[str, Any]]:
    """The fields of a record type as form inputs: label, kind, the codes with their
    labels, required or not (the envelope is the platform's to fill)."""
    spec = TYPES[type_]
    out = []
    for f in spec.fields:
        out.append({"name": f.name, "label": labels.field_label(type_, f.name).in_(lang),
                    "required": f.required, "date": f.kind in _DATE_KINDS,
                    "codes": [(c, labels.code_label(type_, f.name, c).in_(lang))
                              for c in f.codes]})
    return out


def _decision(case: Case, post: Any) -> dict[str, Any] | None:
    """The decision an acceptance carries, from the form: the record the evidence shows
    (evidence; for an objection, a corrected record if one is given) and, for an objection,
    from when the record is set aside."""
    decision: dict[str, Any] = {}
    type_ = post.get("record_type", "")
    if type_:
        record: dict[str, Any] = {"type": type_}
        if type_ in TYPES:
            for f in TYPES[type_].fields:
                value = (post.get(f"record_{f.name}") or "").strip()
                if value:
                    record[f.name] = value
        decision["record"] = record
    since = (post.get("disregard_from") or "").strip()
    if since and case.kind in (Case.Kind.OBJECTION, Case.Kind.REVIEW):
        decision["disregard_from"] = since
    return decision or None


@require_http_methods(["GET", "POST"])
@staff_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case: who asks what, its history and deadlines, its files, and the steps the
    staff member may take now (ask for material, accept with the record, refuse)."""
    _reader(request)
    case = _visible(request, case_id)
    lang = get_language() or "zh-hans"
    errors: dict[str, str] = {}
    problem = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            case_act(case=case, action=action, actor=request.user,
                     reasons=request.POST.get("reasons", ""),
                     reasons_en=request.POST.get("reasons_en", ""),
                     decision=_decision(case, request.POST) if action == "accept" else None)
        except DomainError as error:
            errors, problem, status = error.fields or {}, error_message(error), error.status
        else:
            messages.success(request, _("已办理: %(number)s") % {"number": case.number})
            return redirect("backoffice:case_detail", case_id=case.pk)
    types = TYPES_BY_SOURCE.get(case.department, ())
    chosen = request.POST.get("record_type") or request.GET.get("record_type") or ""
    context = {
        "case": case, "actions": case_actions(case, request.user), "errors": errors,
        "problem": problem, "overdue": case_overdue(case), "posted": request.POST,
        "events": [{"at": e.at, "action": e.get_action_display(),
                    "role": _role(e.actor_role), "reasons": e.reasons}
                   for e in case.events.all()],
        "department": labels.department(case.department).in_(lang),
        "item_name": _item_name(case.item_key, lang),
        "deadlines": list(case.deadlines.all()),
        "files": list(case.evidence.defer("data")),
        "record_types": [(t, labels.record_type(t).in_(lang)) for t in types],
        "record_type": chosen if chosen in types else "",
        "record_fields": _record_fields(chosen, lang) if chosen in types else [],
        "needs_record": case.kind == Case.Kind.EVIDENCE,
        "sets_aside": case.kind in (Case.Kind.OBJECTION, Case.Kind.REVIEW) and bool(
            case.record_id),
        "final": case.status in machine.FINAL_STATUSES,
    }
    template = ("backoffice/_record_fields.html" if request.GET.get("part") == "record"
                else "backoffice/case_detail.html")
    return page(request, template, context, active="cases", status=status)


@require_GET
@staff_required
def case_file(request: HttpRequest, case_id: int, evidence_id: int) -> HttpResponse:
    """A case's file, for the case's reviewers and the resident's side (audited)."""
    case = _visible(request, case_id)
    if not case.evidence.filter(pk=evidence_id).exists():
        raise Http404
    try:
        opened = evidence_open(evidence_id=evidence_id, user=request.user)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(opened.data, content_type=opened.content_type)
    response["Content-Disposition"] = content_disposition_header(False, opened.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
