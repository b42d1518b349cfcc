from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xinjumin.api"
    label = "api"
