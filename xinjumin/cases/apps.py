from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinjumin.cases"
    label = "cases"
    verbose_name = "案件 Cases"

    def ready(self) -> None:
        from xinjumin.cases import decisions
        from xinjumin.cases.models import Case
        from xinjumin.cases.receivers import on_records_changed
        from xinjumin.cases.services import ON_ACCEPT, ON_REFUSE
        from xinjumin.records.signals import records_changed

        # what a decision does to the records (cases.decisions)
        ON_ACCEPT[Case.Kind.EVIDENCE] = decisions.on_evidence_accepted
        for kind in (Case.Kind.OBJECTION, Case.Kind.REVIEW):
            ON_ACCEPT[kind] = decisions.on_objection_accepted
            ON_REFUSE[kind] = decisions.on_objection_refused
        records_changed.connect(on_records_changed, dispatch_uid="cases.reopen")
