"""Back office: staff login (password + TOTP in one form), home, logout, and the page for
any 404 under /staff/ (inside the back office, not the portal's)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from xinjumin.accounts.access import can_manage_accounts, can_read_audit, can_read_residents
from xinjumin.accounts.forms import StaffLoginForm
from xinjumin.accounts.services import staff_authenticate
from xinjumin.backoffice.web import is_verified_staff, page, staff_required
from xinjumin.core.errors import DomainError
from xinjumin.core.web import form_add_domain_error


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/staff/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("backoffice:home")


@never_cache
@sensitive_post_parameters("password", "token")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and is_verified_staff(request.user):
        return redirect("backoffice:home")
    form = StaffLoginForm(request.POST or None)
    status = 200
    locked = False
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = staff_authenticate(request=request, username=data["username"],
                                          password=data["password"], token=data["token"])
            except DomainError as error:
                form_add_domain_error(form, error)
                status, locked = error.status, error.code == "locked_out"
            else:
                auth_login(request, user)
                otp_login(request, user.otp_device)
                return redirect(_next_url(request))
    context = {"form": form, "locked": locked,
               "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "backoffice/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("已退出登录。"))
    return redirect("backoffice:login")


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {"can_residents": can_read_residents(user), "can_audit": can_read_audit(user),
               "can_accounts": can_manage_accounts(user)}
    return page(request, "backoffice/home.html", context, active="home")


@never_cache
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Any 404 under /staff/ (wired by xinjumin.urls.handler404): the back office's own page,
    with its menu and the way back to the resident search for verified staff, and to the
    login for anyone else. The same page whether the resident is out of scope or does not
    exist (access refusals are audited by accounts.access)."""
    staff = is_verified_staff(request.user)
    context = {"staff": staff, "can_residents": staff and can_read_residents(request.user)}
    if staff:
        return page(request, "backoffice/404.html", context, active="", status=404)
    return render(request, "backoffice/404.html", context, status=404)
