from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "xinjumin.permits"
    label = "permits"
    verbose_name = "居住证 Residence permits"

    def ready(self) -> None:
        # registers what accepting a permit application or an endorsement does
        # (cases.services.ON_ACCEPT)
        from xinjumin.permits import services  # noqa: F401
