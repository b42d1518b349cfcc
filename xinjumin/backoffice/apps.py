from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "xinjumin.backoffice"
    label = "backoffice"
