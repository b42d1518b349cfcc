from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinjumin.cases"
    label = "cases"
    verbose_name = "案件 Cases"
