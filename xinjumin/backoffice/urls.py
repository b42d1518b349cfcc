from django.urls import path

from xinjumin.backoffice import audit_views, residents, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("residents/", residents.resident_list, name="residents"),
    path("residents/<int:resident_id>/", residents.resident_detail, name="resident_detail"),
    path("residents/<int:resident_id>/full-id/", residents.resident_full_id,
         name="resident_full_id"),
    path("audit/", audit_views.audit_list, name="audit"),
]
