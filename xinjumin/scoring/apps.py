from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "xinjumin.scoring"
    label = "scoring"
    verbose_name = "积分 Scoring"
