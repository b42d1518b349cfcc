from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse
from django.views import defaults
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite

from xinjumin.accounts.access import access_refusals_settle
from xinjumin.api.api import api
from xinjumin.backoffice.views import not_found as backoffice_not_found

# The admin asks for the TOTP token too: a password alone opens nothing.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("staff/", include("xinjumin.backoffice.urls")),
    path("", include("xinjumin.portal.urls")),
]


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Every 404 page: the back office's under /staff/, the portal's elsewhere (the API
    answers its own in the error format). Runs after the view's transaction has ended, so
    refused accesses it rolled back are written again here (accounts.access)."""
    access_refusals_settle()
    if request.path.startswith(reverse("backoffice:home")):
        return backoffice_not_found(request, exception)
    return defaults.page_not_found(request, exception)


handler404 = page_not_found
