from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "xinjumin.geo"
    label = "geo"
    verbose_name = "地理 Geography"
