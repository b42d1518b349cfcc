from django.conf import settings
from django.urls import path

from xinjumin.portal import journeys, score, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.send_code, name="send_code"),
    path("me/", views.me, name="me"),
    path("me/score/", score.my_score, name="score"),
    path("me/registration/", journeys.registration, name="registration"),
    path("me/registration/end/", journeys.registration_end, name="registration_end"),
    path("me/registration/<int:registration_id>/answer/", journeys.registration_answer,
         name="registration_answer"),
    path("me/permit/", journeys.permit, name="permit"),
    path("me/cases/", journeys.my_cases, name="cases"),
    path("verify/", journeys.verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
]
if settings.XJM_ENV in ("development", "test"):
    # The demo outbox shows every login code: it is not even routed in production.
    urlpatterns.append(path("dev/sms-outbox/", views.sms_outbox, name="sms_outbox"))
