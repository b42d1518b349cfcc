from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xinjumin.portal"
    label = "portal"
