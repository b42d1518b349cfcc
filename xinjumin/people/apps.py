from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "xinjumin.people"
    label = "people"
    verbose_name = "居民与单位 People"
