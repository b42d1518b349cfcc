"""Who may hold a residence permit (domain.md §6), from the person's records: each
condition met or not, in words the resident reads, with the records that show it.

At least 6 months since the residence registration in force (counted from its
`registered_on`, not across an ended one), plus at least one of: lawful stable employment
(an employment record in force, or social insurance paid for this month or the last),
lawful stable residence (a registered lease, an own home, a public rental or a dormitory in
force), continuous study. Investors and recruited talent are exempt from the 6 months.
Study and the exemptions are shown by evidence a clerk verifies: no department feed carries
them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from points import Record, add_months, in_force, month_index
from xinjumin.labels import Label

MONTHS_REGISTERED = 6
EMPLOYMENT_TYPES = ("employment",)
RESIDENCE_TYPES = ("lease", "home_ownership", "public_rental", "dormitory")
START_FIELD = {"lease": "start", "home_ownership": "start", "public_rental": "start",
               "dormitory": "start", "employment": "start"}
END_FIELD = {"lease": "end", "home_ownership": "end", "public_rental": "end",
             "dormitory": "end", "employment": "end"}

# conditions a clerk verifies from evidence (the applicant claims them)
CLAIMS = {
    "study": Label("连续就读", "continuous study"),
    "investor": Label("投资创业人员(免 6 个月居住登记)", "investor (exempt from the 6 months)"),
    "talent": Label("引进人才(免 6 个月居住登记)", "recruited talent (exempt from the 6 months)"),
}
EXEMPTIONS = ("investor", "talent")


@dataclass(frozen=True)
class Condition:
    key: str  # registration | employment | residence | study
    met: bool
    label: Label  # the condition
    detail: Label  # why it is met or not
    refs: tuple[str, ...] = ()  # "SOURCE:record_id" of the records that show it
    by_evidence: bool = False  # met only once a clerk verifies the evidence claimed


@dataclass(frozen=True)
class Eligibility:
    as_of: dt.date
    registration: Condition
    grounds: tuple[Condition, ...]  # employment, residence, study: one must be met
    registered_on: dt.date | None  # of the registration in force: where residence time counts from
    district: str | None  # of the registration in force

    @property
    def eligible(self) -> bool:
        return self.registration.met and any(g.met for g in self.grounds)

    @property
    def verifiable(self) -> bool:
        """Eligible from department data alone: the permit may be issued at once."""
        return self.eligible and not self.registration.by_evidence and any(
            g.met and not g.by_evidence for g in self.grounds)

    @property
    def missing(self) -> list[Condition]:
        """The conditions not met: the registration, or every ground when none is met."""
        out = [] if self.registration.met else [self.registration]
        if not any(g.met for g in self.grounds):
            out += list(self.grounds)
        return out


def _ref(r: Record) -> str:
    return f"{r.source}:{r.record_id}"


def _in_force(r: Record, day: dt.date) -> bool:
    return in_force(r.date(START_FIELD[r.type]), r.date(END_FIELD[r.type]), day)


def registration_in_force(records: Iterable[Record], day: dt.date) -> Record | None:
    """The residence registration in force at `day` (the latest registered, if several)."""
    regs = [r for r in records if r.type == "residence_registration"
            and in_force(r.date("registered_on"), r.date("ended_on"), day)]
    return max(regs, key=lambda r: (r.date("registered_on"), r.record_id), default=None)


def eligibility(records: Iterable[Record], id_number: str, day: dt.date,
                claims: Iterable[str] = ()) -> Eligibility:
    """The conditions for `id_number` at `day`, from their live records (overrides already
    applied), with the `claims` (keys of CLAIMS) the applicant makes for a clerk to verify."""
    own = [r for r in records if r.id_number == id_number]
    claimed = set(claims)
    reg = registration_in_force(own, day)
    exempt = next((c for c in EXEMPTIONS if c in claimed), None)
    reg_label = Label("居住登记满 6 个月", "registered as resident for 6 months")
    if reg is None:
        registration = Condition("registration", False, reg_label,
                                 Label("没有有效的居住登记, 请先办理来甬登记",
                                       "no residence registration in force: register first"))
    else:
        since = reg.date("registered_on")
        assert since is not None
        ready = add_months(since, MONTHS_REGISTERED)
        if ready <= day:
            registration = Condition("registration", True, reg_label,
                                     Label(f"自 {since} 起居住登记", f"registered since {since}"),
                                     (_ref(reg),))
        elif exempt:
            registration = Condition("registration", True, reg_label,
                                     Label(f"申请{CLAIMS[exempt].zh}, 待窗口核验材料",
                                           f"claimed: {CLAIMS[exempt].en}, to be verified"),
                                     (_ref(reg),), by_evidence=True)
        else:
            registration = Condition("registration", False, reg_label,
                                     Label(f"自 {since} 起居住登记, {ready} 满 6 个月",
                                           f"registered since {since}: 6 months on {ready}"),
                                     (_ref(reg),))
    jobs = [r for r in own if r.type in EMPLOYMENT_TYPES and _in_force(r, day)]
    this_month = month_index(f"{day:%Y-%m}")
    insured = [r for r in own if r.type == "social_insurance_period"
               and month_index(str(r.get("first_month"))) <= this_month
               and month_index(str(r.get("last_month"))) >= this_month - 1]
    homes = [r for r in own if r.type in RESIDENCE_TYPES and _in_force(r, day)]
    work_label = Label("合法稳定就业", "lawful stable employment")
    home_label = Label("合法稳定住所", "lawful stable residence")
    study_label = CLAIMS["study"]
    grounds = (
        Condition("employment", True, work_label,
                  Label("有在职的就业或社保缴纳记录", "employment or social insurance on record"),
                  tuple(_ref(r) for r in jobs + insured))
        if jobs or insured else
        Condition("employment", False, work_label,
                  Label("没有在职的就业登记、劳动合同或本月、上月的社保缴纳记录",
                        "no employment in force nor social insurance for this or last month")),
        Condition("residence", True, home_label,
                  Label("有登记的租赁、自有住房、公租房或宿舍", "a registered lease, own home, "
                        "public rental or dormitory"), tuple(_ref(r) for r in homes))
        if homes else
        Condition("residence", False, home_label,
                  Label("没有在期的租赁登记、自有住房、公租房或宿舍记录",
                        "no registered lease, own home, public rental or dormitory in force")),
        Condition("study", True, study_label, Label("已申请, 待窗口核验就读证明",
                                                    "claimed, to be verified"), by_evidence=True)
        if "study" in claimed else
        Condition("study", False, study_label,
                  Label("可提交就读证明, 由窗口核验", "a proof of study can be verified at a "
                        "counter")),
    )
    return Eligibility(day, registration, grounds,
                       reg.date("registered_on") if reg else None,
                       str(reg.get("district")) if reg else None)
