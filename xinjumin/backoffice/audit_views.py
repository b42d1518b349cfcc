"""Back office: the audit viewer, for audit admins only (三员分立). Read only: there is no
form here that changes an event, and the table itself refuses UPDATE and DELETE."""

from __future__ import annotations

import datetime as dt
import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from xinjumin.accounts.access import can_read_audit
from xinjumin.accounts.roles import Role
from xinjumin.audit.selectors import audit_events
from xinjumin.backoffice.forms import AuditFilterForm
from xinjumin.backoffice.web import page, staff_required

PAGE_SIZE = 50


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filters(cleaned: dict) -> dict[str, object]:  # type: ignore[type-arg]
    """Form values to audit_events filters; the dates are whole local days, both included."""
    filters: dict[str, object] = {key: value for key, value in cleaned.items()
                                  if value and key not in ("since", "until")}
    if cleaned.get("since"):
        filters["since"] = _day_start(cleaned["since"])
    if cleaned.get("until"):
        filters["until"] = _day_start(cleaned["until"] + dt.timedelta(days=1))
    return filters


@require_GET
@staff_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not can_read_audit(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        events = audit_events(user=request.user).none()  # show the field errors, no rows
    else:
        filters = _filters(form.cleaned_data) if form.is_bound else {}
        events = audit_events(user=request.user, **filters)
    paginator = Paginator(events, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    roles = dict(Role.choices)
    for event in page_obj.object_list:
        event.role_label = roles.get(event.actor_role, event.actor_role)
        event.detail_text = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page_obj": page_obj, "paginator": paginator,
               "query": query.urlencode()}
    return page(request, "backoffice/audit.html", context, active="audit")
