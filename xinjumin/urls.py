from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from xinjumin.api.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("staff/", include("xinjumin.backoffice.urls")),
    path("", include("xinjumin.portal.urls")),
]
