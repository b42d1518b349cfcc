"""Resident portal: home, login by phone + SMS code, my information, the demo SMS outbox.

Views hold no business rules: codes, rate limits and logins are accounts.services; the
resident's data come through accounts.access only.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from points import mask_phone
from xinjumin.accounts import services as account_services
from xinjumin.accounts.access import access_own_resident
from xinjumin.accounts.models import SmsMessage
from xinjumin.accounts.roles import Role
from xinjumin.accounts.sms import LocalOutboxBackend, phone_hash, phone_parse
from xinjumin.core.addresses import client_address
from xinjumin.core.errors import DomainError
from xinjumin.core.web import form_add_domain_error, is_htmx
from xinjumin.people import selectors as people_selectors
from xinjumin.portal.forms import CodeLoginForm, OutboxForm, PhoneForm

OUTBOX_SHOWN = 5
COUNTDOWN_MAX = 300  # a longer wait (the hourly limit) is said in words, not counted down


def outbox_enabled() -> bool:
    """The demo outbox exists only in development and tests, and only while the local
    (demo) SMS gateway is configured (production refuses that gateway at start-up)."""
    return settings.XJM_ENV in ("development", "test") and issubclass(
        import_string(settings.SMS_BACKEND), LocalOutboxBackend)


def is_resident(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and getattr(user, "role", "") == Role.RESIDENT)


def resident_required(view):  # type: ignore[no-untyped-def]
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if not is_resident(request.user):
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        return view(request, *args, **kwargs)

    return wrapper


def _login_context(request: HttpRequest, **extra) -> dict:  # type: ignore[no-untyped-def]
    context = {
        "outbox_demo": outbox_enabled(),
        "code_minutes": max(1, settings.SMS_CODE_TTL_SECONDS // 60),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "sent": False,
    }
    context.update(extra)
    return context


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:me")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home page; for a resident, what to do next first (portal.todo)."""
    from xinjumin.portal.todo import todos

    todo = todos(access_own_resident(user=request.user)) if is_resident(request.user) else []
    return render(request, "portal/home.html", {"outbox_demo": outbox_enabled(),
                                                "todos": todo})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: ask for a code (send_code, or action=send without JavaScript); step 2: log in."""
    if request.method == "GET":
        if is_resident(request.user):
            return redirect("portal:me")
        form = CodeLoginForm()
        return render(request, "portal/login.html",
                      _login_context(request, form=form, phone_form=form))
    if request.POST.get("action") == "send":
        return send_code(request)
    form = CodeLoginForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            user = account_services.sms_code_login(phone=form.cleaned_data["phone"],
                                                   code=form.cleaned_data["code"].strip())
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, request.POST.get("next", "")))
    return render(request, "portal/login.html",
                  _login_context(request, form=form, phone_form=form), status=status)


@never_cache
@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """Ask for a login code. With htmx: only the phone block is re-rendered (countdown)."""
    phone_form = PhoneForm(request.POST)
    status, sent, wait = 400, False, 0
    if phone_form.is_valid():
        try:
            account_services.sms_code_request(phone=phone_form.cleaned_data["phone"],
                                              address=client_address(request))
        except DomainError as error:
            form_add_domain_error(phone_form, error)
            status = error.status
            wait = int(getattr(error, "retry_after", 0) or 0)
        else:
            status, sent, wait = 200, True, settings.SMS_CODE_RESEND_SECONDS
    context = _login_context(request, phone_form=phone_form, sent=sent,
                             countdown=wait if 0 < wait <= COUNTDOWN_MAX else 0,
                             form=CodeLoginForm(initial={"phone": request.POST.get("phone", "")}))
    template = "portal/_phone_block.html" if is_htmx(request) else "portal/login.html"
    response = render(request, template, context, status=status)
    if status == 429 and wait:
        response["Retry-After"] = str(wait)
    return response


@never_cache
@require_GET
@resident_required
def me(request: HttpRequest) -> HttpResponse:
    resident = access_own_resident(user=request.user)
    context = {
        "resident": resident,
        "guardians": list(people_selectors.guardians_of(resident=resident)),
        "children": list(people_selectors.children_of(resident=resident)),
        "spouse": people_selectors.spouse_of(resident=resident),
    }
    return render(request, "portal/me.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("您已安全退出登录。"))
    return redirect("portal:home")


@never_cache
@require_http_methods(["GET", "POST"])
def sms_outbox(request: HttpRequest) -> HttpResponse:
    """Demo only: the latest messages the local gateway "sent" to a phone number."""
    if not outbox_enabled():
        raise Http404
    form = OutboxForm(request.POST or None)
    shown: list[dict[str, object]] | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                phone = phone_parse(form.cleaned_data["phone"])
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                status = 200
                rows = SmsMessage.objects.filter(phone_hash=phone_hash(phone))[:OUTBOX_SHOWN]
                shown = [{"at": m.created_at, "body": m.body, "to": mask_phone(phone)}
                         for m in rows]
    return render(request, "portal/sms_outbox.html",
                  {"form": form, "shown": shown, "limit": OUTBOX_SHOWN}, status=status)
