from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "xinjumin.records"
    label = "records"
    verbose_name = "部门数据 Department records"
