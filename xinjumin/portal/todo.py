"""What the resident has to do next, for the portal's home page: a report to confirm, no
registration yet, the permit's endorsement due or missed, a permit now within reach, a
reviewer asking for material. Read only (the selectors of each app)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from xinjumin.cases.models import Case
from xinjumin.cases.selectors import office_today, resident_cases
from xinjumin.labels import Label
from xinjumin.permits import reading
from xinjumin.permits.selectors import permit_case_open, permit_eligibility, permits_of
from xinjumin.registrations.models import Registration
from xinjumin.registrations.selectors import registrations_of


@dataclass(frozen=True)
class Todo:
    text: Label
    url: str
    urgent: bool = False


def todos(resident: Any) -> list[Todo]:
    day = office_today()
    out: list[Todo] = []
    regs = registrations_of(resident)
    registration = reverse("portal:registration")
    pending = [r for r in regs if r.status == Registration.Status.PENDING]
    if pending:
        out.append(Todo(Label(f"有 {len(pending)} 份单位或房东报告的居住登记待您确认",
                              f"{len(pending)} report(s) of your residence to confirm"),
                        registration, urgent=True))
    if not any(r.status == Registration.Status.ACTIVE for r in regs):
        out.append(Todo(Label("您还没有有效的居住登记: 请在到达后 3 日内申报",
                              "no residence registration in force: declare within 3 days of "
                              "arrival"), registration, urgent=not pending))
    permit = reverse("portal:permit")
    views = permits_of(resident.id_number, day)
    held = next((v for v in views if v.status in (reading.Status.VALID,
                                                  reading.Status.SUSPENDED)), None)
    open_case = permit_case_open(resident)
    if held is not None and open_case is None:
        kind, due = reading.endorsement_kind(held.dates, day)
        closes = (due - dt.timedelta(days=1)).isoformat()
        if kind == reading.Endorsement.LATE:
            out.append(Todo(Label("居住证已中止 (未按时签注): 签注后恢复",
                                  "your permit is suspended (not endorsed in time): endorse "
                                  "it to restore it"), permit, urgent=True))
        elif kind == reading.Endorsement.IN_WINDOW:
            out.append(Todo(Label(f"居住证签注已开放, 请在 {closes} 前办理",
                                  f"your permit's endorsement is open until {closes}"),
                            permit, urgent=True))
    elif held is None and open_case is None and permit_eligibility(
            resident.id_number, day).verifiable:
        out.append(Todo(Label("您已符合居住证申领条件, 可在线申领, 即时发证",
                              "you qualify for a residence permit: apply online, issued at "
                              "once"), permit))
    cases = reverse("portal:cases")
    for case in resident_cases(resident):
        if case.status == Case.Status.WAITING:
            out.append(Todo(Label(f"案件 {case.number} 需要您补充材料",
                                  f"case {case.number} needs more material from you"),
                            cases, urgent=True))
    return out
