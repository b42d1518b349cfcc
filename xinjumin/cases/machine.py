"""The state machine of a case: one transition table per case kind (domain.md §7.9).

Statuses: open (in a reviewer's queue, the clock running) → waiting (the reviewer asked the
resident for more material: the clock stopped) → open again when the resident supplies it;
open → accepted / refused (decided, with reasons); open or waiting → withdrawn (by the
resident, while undecided). Decided and withdrawn cases are final.

`services.case_act` applies a step with a conditional UPDATE (WHERE status = the step's
from-status): of two people acting on one case at once, one wins and the other is told.
"""

from __future__ import annotations

from dataclasses import dataclass

from xinjumin.cases.models import Case

S = Case.Status
K = Case.Kind


class Action:
    ASK = "ask"  # the reviewer asks the resident for more material
    SUPPLY = "supply"  # the resident supplies it
    ACCEPT = "accept"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"  # the platform: a department sent a new version of a record set aside


# who may take each action: the resident (or a clerk / guardian acting for them) or the
# case's reviewer
BY_RESIDENT = frozenset({Action.SUPPLY, Action.WITHDRAW})
BY_REVIEWER = frozenset({Action.ASK, Action.ACCEPT, Action.REFUSE})
BY_SYSTEM = frozenset({Action.REOPEN})  # nobody takes it by hand
# a decision must say why, in words the resident reads
NEEDS_REASONS = frozenset({Action.ASK, Action.ACCEPT, Action.REFUSE})

_COMMON = {
    (S.OPEN, Action.ASK): S.WAITING,
    (S.WAITING, Action.SUPPLY): S.OPEN,
    (S.OPEN, Action.ACCEPT): S.ACCEPTED,
    (S.OPEN, Action.REFUSE): S.REFUSED,
    (S.OPEN, Action.WITHDRAW): S.WITHDRAWN,
    (S.WAITING, Action.WITHDRAW): S.WITHDRAWN,
}

# a decision that set a department's record aside goes back to a reviewer when the
# department sends a new version of it (domain.md §9.1): a feed never silently undoes it
_REOPENED = {(S.ACCEPTED, Action.REOPEN): S.OPEN}

TRANSITIONS: dict[str, dict[tuple[str, str], str]] = {
    K.EVIDENCE: dict(_COMMON),
    K.OBJECTION: {**_COMMON, **_REOPENED},
    K.REVIEW: {**_COMMON, **_REOPENED},
    # accepting a permit application issues the permit, an endorsement endorses it
    # (permits.services, cases.services.ON_ACCEPT)
    K.PERMIT: dict(_COMMON),
    K.ENDORSEMENT: dict(_COMMON),
}

# working days to decide (domain.md §7.9): evidence 10, objections 5; a human review of
# an automated result is an objection's re-examination [default]
DAYS: dict[str, int] = {K.EVIDENCE: 10, K.OBJECTION: 5, K.REVIEW: 5}
# calendar days (domain.md §6): a permit is issued within 15 days of accepting the
# application
CALENDAR_DAYS: dict[str, int] = {K.PERMIT: 15, K.ENDORSEMENT: 15}  # endorsement [default]

# the kinds a resident submits as such (POST /cases/me); a permit application goes through
# permits.services.permit_apply, which checks eligibility first
SUBMITTED_DIRECTLY = frozenset({K.EVIDENCE, K.OBJECTION, K.REVIEW})

OPEN_STATUSES = frozenset({S.OPEN, S.WAITING})
FINAL_STATUSES = frozenset({S.ACCEPTED, S.REFUSED, S.WITHDRAWN})


@dataclass(frozen=True)
class Step:
    action: str
    from_status: str
    to_status: str


def step(kind: str, status: str, action: str) -> Step | None:
    """The step `action` takes a case of `kind` in `status` through, or None when the
    table has no such step."""
    to = TRANSITIONS[kind].get((status, action))
    return None if to is None else Step(action, status, to)


def actions(kind: str, status: str) -> list[str]:
    """The actions a case of `kind` in `status` allows, in the table's order."""
    return [a for (s, a) in TRANSITIONS[kind] if s == status]
