from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinjumin.core"
    label = "core"
    verbose_name = "核心 Core"

    def ready(self) -> None:
        from xinjumin.core import checks  # noqa: F401  (registers system checks)
