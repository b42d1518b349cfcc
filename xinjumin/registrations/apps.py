from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "xinjumin.registrations"
    label = "registrations"
    verbose_name = "居住登记 Residence registration"
