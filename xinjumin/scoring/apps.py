from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "xinjumin.scoring"
    label = "scoring"
    verbose_name = "积分 Scoring"

    def ready(self) -> None:
        from xinjumin.records.signals import records_changed
        from xinjumin.scoring import tasks  # noqa: F401 - registers the Huey tasks
        from xinjumin.scoring.receivers import on_records_changed

        records_changed.connect(on_records_changed, dispatch_uid="scoring.rescore")
