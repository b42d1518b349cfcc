"""Back office: residents in the clerk's scope (search, detail, full ID on demand).

Residents come only through accounts.access (scope as a queryset filter, 404 outside it,
every detail read, every full-ID view and every refusal audited). Search terms travel in
POST bodies, so an ID number typed into the search box never lands in a URL, a browser
history or an access log.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from xinjumin.accounts.access import (
    access_resident,
    access_resident_full_id,
    access_resident_reader,
    can_read_residents,
    residents_in_scope,
)
from xinjumin.backoffice.forms import ResidentSearchForm
from xinjumin.backoffice.web import page, staff_required
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import error_message, is_htmx
from xinjumin.people import selectors as people_selectors

PAGE_SIZE = 20


def _require_resident_reader(request: HttpRequest) -> None:
    try:  # a role without resident data is refused, audited (accounts.access)
        access_resident_reader(user=request.user, purpose="search")
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@staff_required
def resident_list(request: HttpRequest) -> HttpResponse:
    _require_resident_reader(request)
    form = ResidentSearchForm(request.POST if request.method == "POST" else None)
    q, number = "", 1
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        number = form.cleaned_data["page"] or 1
    residents = residents_in_scope(user=request.user).select_related("district", "street")
    if q:
        residents = people_selectors.resident_search(queryset=residents, q=q)
    paginator = Paginator(residents.order_by("name", "id"), PAGE_SIZE)
    page_obj = paginator.get_page(number)
    context = {"form": form, "q": q, "page_obj": page_obj, "paginator": paginator}
    template = ("backoffice/_resident_results.html" if is_htmx(request)
                else "backoffice/residents.html")
    return page(request, template, context, active="residents")


def _resident_or_404(request: HttpRequest, resident_id: int, purpose: str):  # type: ignore[no-untyped-def]
    """The resident through the one door, which also refuses (and audits) the roles that
    read no resident data: the back office's 404 page otherwise."""
    try:
        return access_resident(user=request.user, resident_id=resident_id, purpose=purpose)
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET"])
@staff_required
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = _resident_or_404(request, resident_id, "read")
    context = {
        "resident": resident,
        "can_full_id": can_read_residents(request.user),
        "guardians": list(people_selectors.guardians_of(resident=resident)),
        "children": list(people_selectors.children_of(resident=resident)),
        "spouse": people_selectors.spouse_of(resident=resident),
    }
    return page(request, "backoffice/resident_detail.html", context, active="residents")


@require_POST
@staff_required
def resident_full_id(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The unmasked ID number, shown on demand (audited by access_resident_full_id)."""
    resident = _resident_or_404(request, resident_id, "full_id")
    try:
        full_id = access_resident_full_id(user=request.user, resident=resident,
                                          purpose="window")
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return page(request, "backoffice/_full_id.html",
                    {"resident": resident, "error": error_message(error)},
                    active="residents", status=error.status)
    template = "backoffice/_full_id.html" if is_htmx(request) else "backoffice/resident_detail.html"
    context = {"resident": resident, "full_id": full_id}
    if not is_htmx(request):
        context.update(guardians=list(people_selectors.guardians_of(resident=resident)),
                       children=list(people_selectors.children_of(resident=resident)),
                       spouse=people_selectors.spouse_of(resident=resident))
    return page(request, template, context, active="residents")
