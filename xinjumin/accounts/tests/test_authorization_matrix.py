"""The authorization matrix: every role × own/other district × object type.

Outcomes: "ok" (allowed), 404 (NotFound: outside scope, existence not revealed), 403 (in
scope, power missing), "empty" (the audit selector answers nothing).
"""

from __future__ import annotations

import pytest

from xinjumin.accounts.access import (
    access_own_resident,
    access_resident,
    access_resident_full_id,
    can_read_audit,
    residents_in_scope,
)
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.selectors import audit_events
from xinjumin.core.errors import DomainError, NotFound

OBJECTS = ("adult_yz", "child_yz", "adult_hs")  # 鄞州 adult, 鄞州 child, 海曙 adult
_DATA_STAFF_YZ = {"adult_yz": "ok", "child_yz": "ok", "adult_hs": 404}
_NOTHING = {"adult_yz": 404, "child_yz": 404, "adult_hs": 404}

READ = {
    "window_yz": _DATA_STAFF_YZ,
    "reviewer_yz": _DATA_STAFF_YZ,
    "district_admin_yz": _DATA_STAFF_YZ,
    "street_clerk_yz": _NOTHING,  # scoped to street 330212002; residents live in 330212001
    "window_hs": {"adult_yz": 404, "child_yz": 404, "adult_hs": "ok"},
    "city_admin": {"adult_yz": "ok", "child_yz": "ok", "adult_hs": "ok"},
    "system_admin": _NOTHING,
    "security_admin": _NOTHING,
    "audit_admin": _NOTHING,
    "resident_yz": {"adult_yz": "ok", "child_yz": "ok", "adult_hs": 404},  # self + own child
    "resident_hs": {"adult_yz": 404, "child_yz": 404, "adult_hs": "ok"},
}
FULL_ID = {
    **{name: READ[name] for name in READ},
    "resident_yz": {"adult_yz": "ok", "child_yz": 403, "adult_hs": 404},
}
AUDIT = {name: "empty" for name in READ} | {"audit_admin": "ok"}

STAFF_PERSONAS = {n for n in READ if not n.startswith("resident_")}


def _outcome(call) -> object:  # type: ignore[no-untyped-def]
    try:
        call()
    except NotFound:
        return 404
    except DomainError as exc:
        return exc.status
    return "ok"


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("persona", sorted(READ))
def test_read_resident(world, persona, obj):
    user, target = world.users[persona], getattr(world, obj)
    reads_before = AuditEvent.objects.filter(action="resident.read").count()
    outcome = _outcome(lambda: access_resident(user=user, resident_id=target.pk))
    assert outcome == READ[persona][obj]
    in_scope = residents_in_scope(user=user).filter(pk=target.pk).exists()
    assert in_scope == (outcome == "ok")
    audited = AuditEvent.objects.filter(action="resident.read").count() - reads_before
    # Staff reads are audited, a resident's own reads are not, refused reads read nothing.
    assert audited == (1 if outcome == "ok" and persona in STAFF_PERSONAS else 0)


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("persona", sorted(FULL_ID))
def test_read_full_id_number(world, persona, obj):
    user, target = world.users[persona], getattr(world, obj)
    result: dict[str, str] = {}
    outcome = _outcome(lambda: result.update(
        value=access_resident_full_id(user=user, resident=target)))
    assert outcome == FULL_ID[persona][obj]
    events = AuditEvent.objects.filter(action="resident.read_full_id", object_id=str(target.pk),
                                       actor=user.username)
    if outcome == "ok":
        assert result["value"] == target.id_number and "*" not in result["value"]
        assert events.count() == 1
    else:
        assert events.count() == 0


@pytest.mark.parametrize("persona", sorted(AUDIT))
def test_read_audit_events(world, persona):
    user = world.users[persona]
    assert AuditEvent.objects.exists()  # world setup wrote events
    visible = audit_events(user=user)
    assert can_read_audit(user) == (AUDIT[persona] == "ok")
    if AUDIT[persona] == "ok":
        assert visible.count() == AuditEvent.objects.count()
    else:
        assert list(visible) == []


def test_haishu_clerk_cannot_read_yinzhou_resident(world):
    clerk = world.users["window_hs"]
    with pytest.raises(NotFound) as caught:
        access_resident(user=clerk, resident_id=world.adult_yz.pk)
    assert caught.value.status == 404
    assert caught.value.as_dict()["code"] == "not_found"
    # The same answer as for a resident that does not exist at all.
    with pytest.raises(NotFound) as missing:
        access_resident(user=clerk, resident_id=999_999)
    assert missing.value.as_dict() == caught.value.as_dict()


def test_scope_is_a_queryset_filter_per_district(world):
    yz = set(residents_in_scope(user=world.users["window_yz"]).values_list("pk", flat=True))
    hs = set(residents_in_scope(user=world.users["window_hs"]).values_list("pk", flat=True))
    everyone = set(residents_in_scope(user=world.users["city_admin"]).values_list("pk", flat=True))
    assert yz == {world.adult_yz.pk, world.spouse_yz.pk, world.child_yz.pk}
    assert hs == {world.adult_hs.pk}
    assert everyone == yz | hs


def test_inactive_staff_see_nothing(world):
    clerk = world.users["window_yz"]
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert not residents_in_scope(user=clerk).exists()


def test_guardian_loses_access_when_child_comes_of_age(world):
    import datetime as dt

    parent = world.users["resident_yz"]
    child_18th = dt.date(2034, 6, 1)  # born 2016-06-01
    before = residents_in_scope(user=parent, today=child_18th - dt.timedelta(days=1))
    after = residents_in_scope(user=parent, today=child_18th)
    assert world.child_yz in before
    assert world.child_yz not in after and world.adult_yz in after


def test_resident_reaches_own_record_only_through_own_account(world):
    assert access_own_resident(user=world.users["resident_yz"]) == world.adult_yz
    with pytest.raises(NotFound):
        access_own_resident(user=world.users["city_admin"])


def test_malformed_resident_id_is_not_found(world):
    with pytest.raises(NotFound):
        access_resident(user=world.users["city_admin"], resident_id="1 OR 1=1")
