from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xinjumin.api"
    label = "api"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from xinjumin.api.score_cache import versions_forget
        from xinjumin.scoring.models import IndicatorSystem

        post_save.connect(versions_forget, sender=IndicatorSystem,
                          dispatch_uid="api.score_cache.versions_forget")
        post_delete.connect(versions_forget, sender=IndicatorSystem,
                            dispatch_uid="api.score_cache.versions_forget.delete")
