"""Resident portal: 来甬登记 (residence registration) and 居住证 (the residence permit), and
the public check of a registration certificate.

One way through each: access (the resident's own record) → the service (registrations,
permits), which checks and writes → redirect to the page, which reads through the
selectors. A form carries a request key made when it was shown, so a double tap or a
reload registers or applies once. Errors are shown on their fields.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinjumin.accounts.access import access_own_resident
from xinjumin.accounts.roles import Role
from xinjumin.cases.models import CaseEvent
from xinjumin.cases.selectors import case_overdue, office_today, resident_cases
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.core.web import error_message, form_add_domain_error, is_htmx
from xinjumin.permits import reading
from xinjumin.permits.selectors import permit_case_open, permit_eligibility, permits_of
from xinjumin.portal.views import resident_required
from xinjumin.registrations.forms import (
    ApplyForm,
    ChangeForm,
    DeclareForm,
    EndForm,
    apply_form_submit,
    home_choices,
    new_key,
)
from xinjumin.registrations.models import Registration
from xinjumin.registrations.selectors import (
    certificate_qr_svg,
    registration_for,
    registration_verify,
    registrations_of,
)
from xinjumin.registrations.services import (
    registration_change,
    registration_confirm,
    registration_declare,
    registration_deregister,
    registration_reject,
)


def _registration_context(request: HttpRequest, resident, **extra) -> dict:  # type: ignore[no-untyped-def]
    regs = registrations_of(resident)
    active = next((r for r in regs if r.status == Registration.Status.ACTIVE), None)
    return {
        "resident": resident, "active": active,
        "pending": [r for r in regs if r.status == Registration.Status.PENDING],
        "past": [r for r in regs if r.status not in (Registration.Status.ACTIVE,
                                                     Registration.Status.PENDING)],
        "qr": certificate_qr_svg(active, request.build_absolute_uri("/")) if active else "",
        "picker_url": reverse("portal:registration"),
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
@resident_required
def registration(request: HttpRequest) -> HttpResponse:
    """来甬登记: the registration in force (certificate, QR code), reports to confirm, the
    declaration form (none in force) or the change-of-address form."""
    resident = access_own_resident(user=request.user)
    active = registrations_of(resident)
    in_force = any(r.status == Registration.Status.ACTIVE for r in active)
    form_class = ChangeForm if in_force else DeclareForm
    initial = {"key": new_key(), "district": resident.district_id}
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if in_force:
                    registration_change(resident=resident, by=request.user,
                                        client_key=data["key"], moved_on=data.get("moved_on"),
                                        unit=form.chosen_unit(),
                                        employer_uscc=data.get("employer_uscc") or "")
                    messages.success(request, _("住所或单位变更已登记。"))
                else:
                    registration_declare(resident=resident, by=request.user,
                                         client_key=data["key"],
                                         arrived_on=data.get("arrived_on"),
                                         unit=form.chosen_unit(),
                                         employer_uscc=data.get("employer_uscc") or "")
                    messages.success(request, _("居住登记已办结, 登记凭证如下。"))
                return redirect("portal:registration")
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status
        else:
            status = 400
    else:
        form = form_class(request.GET or None, initial=initial)
    context = _registration_context(request, resident, form=form, in_force=in_force,
                                    end_form=EndForm(), **home_choices(form))
    if is_htmx(request) and request.GET.get("part") == "home":
        return render(request, "xjm/_home_picker.html", context)
    return render(request, "portal/registration.html", context, status=status)


@require_POST
@resident_required
def registration_answer(request: HttpRequest, registration_id: int) -> HttpResponse:
    """Confirm or reject a report by an employer or landlord."""
    reg = registration_for(request.user, registration_id)
    if reg is None:
        raise NotFound("居住登记", "registration")
    try:
        if request.POST.get("answer") == "confirm":
            registration_confirm(registration=reg, by=request.user)
            messages.success(request, _("已确认, 居住登记自今日起生效。"))
        else:
            registration_reject(registration=reg, by=request.user)
            messages.info(request, _("已否认该报告, 它不会计入您的登记。"))
    except DomainError as error:
        messages.error(request, error_message(error))
    return redirect("portal:registration")


@require_POST
@resident_required
def registration_end(request: HttpRequest) -> HttpResponse:
    """Deregister (moved away, local household registration): the permit ends with it."""
    resident = access_own_resident(user=request.user)
    form = EndForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            registration_deregister(resident=resident, by=request.user,
                                    ended_on=form.cleaned_data.get("ended_on"),
                                    reason=form.cleaned_data["reason"])
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status
        else:
            messages.success(request, _("居住登记已注销; 居住证随之终止。"))
            return redirect("portal:registration")
    change = ChangeForm(initial={"key": new_key(), "district": resident.district_id})
    context = _registration_context(request, resident, form=change, in_force=True,
                                    end_form=form, **home_choices(change))
    return render(request, "portal/registration.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@resident_required
def permit(request: HttpRequest) -> HttpResponse:
    """居住证: the permit (status, next anniversary, the endorsement window), each condition
    of eligibility met or not, and what can be done now: apply or endorse."""
    resident = access_own_resident(user=request.user)
    status = 200
    form = ApplyForm(initial={"key": new_key()})
    if request.method == "POST":
        form = ApplyForm(request.POST)
        if form.is_valid():
            case = apply_form_submit(form, action=request.POST.get("action", "apply"),
                                     resident=resident, by=request.user)
            if case is None:
                status = form.refused_status
            else:
                if case.status == case.Status.ACCEPTED:
                    messages.success(request, _("已办结: %(reasons)s") % {
                        "reasons": case.reasons_en if request.LANGUAGE_CODE == "en"
                        else case.reasons})
                else:
                    messages.info(request, _("已受理 (案件 %(number)s), 公安审核员将在 %(due)s 前"
                                             "办结。") % {"number": case.number,
                                                         "due": case.due_on.isoformat()})
                return redirect("portal:permit")
        else:
            status = 400
    day = office_today()
    views = permits_of(resident.id_number, day)
    held = next((v for v in views if v.status in (reading.Status.VALID,
                                                  reading.Status.SUSPENDED)), None)
    window = None
    if held is not None:
        kind, due = reading.endorsement_kind(held.dates, day)
        window = {"kind": kind, "due": due, "opens": reading.window_opens(due),
                  "closes": due - dt.timedelta(days=1)}
    context = {"resident": resident, "permits": views, "held": held, "window": window,
               "eligibility": permit_eligibility(resident.id_number, day), "form": form,
               "open_case": permit_case_open(resident),
               "errors": [m for m in form.non_field_errors()]}
    return render(request, "portal/permit.html", context, status=status)


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """The public check of a registration certificate: with its number and verification
    code (the QR code carries both), masked data and whether it is in force."""
    number, code = request.GET.get("n", ""), request.GET.get("c", "")
    shown = registration_verify(number, code, office_today()) if number and code else None
    status = 404 if (number or code) and shown is None else 200
    return render(request, "portal/verify.html",
                  {"shown": shown, "number": number[:32], "code": code[:8],
                   "asked": bool(number or code)}, status=status)


@never_cache
@require_GET
@resident_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """我的办件: every case (evidence, objections, reviews, permit applications and
    endorsements), newest first, each with its status, deadline, history and who decided
    (the role, not the name) with the reasons."""
    resident = access_own_resident(user=request.user)
    cases = resident_cases(resident)
    events = {c.pk: [] for c in cases}
    for e in CaseEvent.objects.filter(case__in=cases).order_by("at", "id"):
        events[e.case_id].append(e)
    rows = [{"case": c, "events": events[c.pk], "overdue": case_overdue(c),
             "decider": (_role_label(c.decided_by.role) if c.decided_by
                         else _("系统自动办理") if c.decided_at else "")} for c in cases]
    return render(request, "portal/cases.html", {"rows": rows})


def _role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else _("系统")
