"""Back office: the counter (窗口) — a window clerk registers a resident who is present
(recorded as assisted, with the identity document checked), verifies a report an employer
or landlord made, and applies for or endorses the resident's permit for them.

One way through each: the one door (accounts.access.access_resident, audited "assist") →
the registrations / permits services, which check who may act and write → redirect back
to the tab, which reads through the selectors.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinjumin.accounts.access import access_resident
from xinjumin.backoffice.web import page, staff_required
from xinjumin.cases.selectors import office_today
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import error_message, form_add_domain_error, is_htmx
from xinjumin.permits.reading import Status
from xinjumin.permits.selectors import permit_case_open, permit_eligibility, permits_of
from xinjumin.registrations.forms import (
    ApplyForm,
    CounterDeclareForm,
    apply_form_submit,
    home_choices,
    new_key,
)
from xinjumin.registrations.models import Registration
from xinjumin.registrations.selectors import registration_for, registrations_of
from xinjumin.registrations.services import registration_confirm, registration_declare


def _resident(request: HttpRequest, resident_id: int):  # type: ignore[no-untyped-def]
    try:
        return access_resident(user=request.user, resident_id=resident_id, purpose="assist")
    except NotFound:
        raise Http404 from None


def _tab(request: HttpRequest, resident, *, form=None, apply_form=None,  # type: ignore[no-untyped-def]
         status: int = 200) -> HttpResponse:
    url = reverse("backoffice:resident_counter", args=[resident.pk])
    form = form or CounterDeclareForm(request.GET or None, initial={
        "key": new_key(), "district": request.user.district_id or resident.district_id})
    regs = registrations_of(resident)
    day = office_today()
    views = permits_of(resident.id_number, day)
    context = {
        "resident": resident, "tab": "counter", "form": form, "picker_url": url,
        "active_reg": next((r for r in regs if r.status == Registration.Status.ACTIVE), None),
        "pending": [r for r in regs if r.status == Registration.Status.PENDING],
        "permits": views,
        "held": next((v for v in views if v.status in (Status.VALID, Status.SUSPENDED)), None),
        "eligibility": permit_eligibility(resident.id_number, day),
        "open_case": permit_case_open(resident),
        "apply_form": apply_form or ApplyForm(initial={"key": new_key()}),
        **home_choices(form),
    }
    if is_htmx(request) and request.GET.get("part") == "home":
        return page(request, "xjm/_home_picker.html", context, active="residents")
    return page(request, "backoffice/resident_counter.html", context, active="residents",
                status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def resident_counter(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The resident's registration and permit, and the counter's forms."""
    resident = _resident(request, resident_id)
    if request.method == "GET":
        return _tab(request, resident)
    form = CounterDeclareForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration_declare(resident=resident, by=request.user, client_key=data["key"],
                                 arrived_on=data.get("arrived_on"), unit=form.chosen_unit(),
                                 employer_uscc=data.get("employer_uscc") or "",
                                 document=data["document"])
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status
        else:
            messages.success(request, _("已为该居民办理居住登记 (窗口代办)。"))
            return redirect("backoffice:resident_counter", resident_id=resident.pk)
    return _tab(request, resident, form=form, status=status)


@require_POST
@staff_required
def resident_report_verify(request: HttpRequest, resident_id: int,
                           registration_id: int) -> HttpResponse:
    """A clerk verifies a report with the resident present: in force from today."""
    resident = _resident(request, resident_id)
    reg = registration_for(request.user, registration_id)
    if reg is None or reg.resident_id != resident.pk:
        raise Http404
    try:
        registration_confirm(registration=reg, by=request.user)
        messages.success(request, _("报告已核实, 居住登记自今日起生效。"))
    except DomainError as error:
        messages.error(request, error_message(error))
    return redirect("backoffice:resident_counter", resident_id=resident.pk)


@require_POST
@staff_required
def resident_permit(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Apply for (or endorse) the resident's permit at the counter (assisted)."""
    resident = _resident(request, resident_id)
    form = ApplyForm(request.POST)
    status = 400
    if form.is_valid():
        case = apply_form_submit(form, action=request.POST.get("action", "apply"),
                                 resident=resident, by=request.user)
        if case is None:
            status = form.refused_status
        else:
            if case.status == case.Status.ACCEPTED:
                messages.success(request, _("已办结: %(reasons)s") % {"reasons": case.reasons})
            else:
                messages.info(request, _("已受理 (案件 %(number)s), 转公安审核员核验, %(due)s 前"
                                         "办结。") % {"number": case.number,
                                                     "due": case.due_on.isoformat()})
            return redirect("backoffice:resident_counter", resident_id=resident.pk)
    return _tab(request, resident, apply_form=form, status=status)
