from django.urls import path

from xinjumin.backoffice import (
    audit_views,
    counter,
    feeds,
    indicators,
    resident_data,
    residents,
    views,
)

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("residents/", residents.resident_list, name="residents"),
    path("residents/<int:resident_id>/", residents.resident_detail, name="resident_detail"),
    path("residents/<int:resident_id>/full-id/", residents.resident_full_id,
         name="resident_full_id"),
    path("residents/<int:resident_id>/counter/", counter.resident_counter,
         name="resident_counter"),
    path("residents/<int:resident_id>/counter/reports/<int:registration_id>/verify/",
         counter.resident_report_verify, name="resident_report_verify"),
    path("residents/<int:resident_id>/counter/permit/", counter.resident_permit,
         name="resident_permit"),
    path("residents/<int:resident_id>/records/", resident_data.resident_records,
         name="resident_records"),
    path("residents/<int:resident_id>/score/", resident_data.resident_score,
         name="resident_score"),
    path("audit/", audit_views.audit_list, name="audit"),
    path("feeds/upload/", feeds.feed_upload, name="feed_upload"),
    path("feeds/upload/<str:token>/", feeds.feed_upload_status, name="feed_upload_status"),
    path("feeds/batches/<int:batch_id>/", feeds.feed_batch, name="feed_batch"),
    path("feeds/batches/<int:batch_id>/errors.csv", feeds.feed_batch_errors,
         name="feed_batch_errors"),
    path("indicators/", indicators.indicator_list, name="indicators"),
    path("indicators/<int:version_id>/", indicators.indicator_detail, name="indicator_detail"),
    path("indicators/<int:version_id>/compare/", indicators.indicator_compare_view,
         name="indicator_compare"),
    path("indicators/<int:version_id>/publish/", indicators.indicator_publish_view,
         name="indicator_publish"),
]
