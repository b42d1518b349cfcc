from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite

from xinjumin.api.api import api

# The admin asks for the TOTP token too: a password alone opens nothing.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("staff/", include("xinjumin.backoffice.urls")),
    path("", include("xinjumin.portal.urls")),
]
