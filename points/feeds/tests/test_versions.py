"""Versions semantics of feeds.md: replays, corrections, conflicts, retractions, identity."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from points.feeds import Outcome, Record, RecordStore, current_records, decide

ID = "341221199001010132"
OTHER_ID = "11010519491231002X"


def lease(version: int, rent: str = "1800.00", op: str = "upsert", **kw: Any) -> Record:
    fields = {} if op == "retract" and kw.pop("bare", False) else {"monthly_rent": Decimal(rent)}
    base: dict[str, Any] = dict(source="HOUSING", type="lease", record_id="LS1",
                                version=version, op=op, id_number=ID, fields=fields)
    return Record(**(base | kw))


def outcomes(*records: Record) -> list[Outcome]:
    return RecordStore().apply_all(records)


def test_first_arrival_creates_and_replay_is_unchanged() -> None:
    assert outcomes(lease(1), lease(1)) == [Outcome.CREATED, Outcome.UNCHANGED]


def test_equal_money_written_differently_is_a_replay() -> None:
    assert outcomes(lease(1, "1800"), lease(1, "1800.00"))[1] is Outcome.UNCHANGED


def test_correction_after_and_before() -> None:
    assert outcomes(lease(1), lease(2, "1900")) == [Outcome.CREATED, Outcome.UPDATED]
    assert outcomes(lease(2, "1900"), lease(1)) == [Outcome.CREATED, Outcome.IGNORED]
    for order in ([lease(1), lease(2, "1900")], [lease(2, "1900"), lease(1)]):
        (live,) = current_records(order)
        assert live.version == 2 and live.fields["monthly_rent"] == Decimal("1900")


def test_same_version_other_content_is_a_conflict_and_the_first_stays() -> None:
    store = RecordStore()
    assert store.apply_all([lease(1), lease(1, "2100")]) == [Outcome.CREATED, Outcome.CONFLICT]
    assert store.get("HOUSING", "LS1") == lease(1)
    assert Outcome.CONFLICT.rejected and not Outcome.CONFLICT.applies


def test_retract_then_revive() -> None:
    store = RecordStore()
    got = store.apply_all([lease(1), lease(2, op="retract"), lease(2, op="retract", bare=True),
                           lease(1), lease(3, "2000")])
    assert got == [Outcome.CREATED, Outcome.RETRACTED, Outcome.UNCHANGED, Outcome.IGNORED,
                   Outcome.UPDATED]
    (live,) = store.live()
    assert live.version == 3


def test_retracted_record_is_not_live() -> None:
    assert current_records([lease(1), lease(2, op="retract")]) == []
    assert current_records([lease(2, op="retract"), lease(1)]) == []
    assert outcomes(lease(2, op="retract")) == [Outcome.RETRACTED]


def test_same_version_upsert_and_retract_conflict() -> None:
    assert outcomes(lease(2), lease(2, op="retract"))[1] is Outcome.CONFLICT


@pytest.mark.parametrize("change", [{"type": "dormitory"}, {"id_number": OTHER_ID}])
def test_identity_may_not_change(change: dict[str, Any]) -> None:
    assert outcomes(lease(1), lease(2, **change)) == [Outcome.CREATED, Outcome.IDENTITY_CHANGE]
    assert outcomes(lease(2), lease(1, **change))[1] is Outcome.IDENTITY_CHANGE
    (live,) = current_records([lease(1), lease(2, **change)])
    assert live == lease(1)


def test_other_source_is_another_record() -> None:
    assert outcomes(lease(1), lease(1, source="PSB")) == [Outcome.CREATED, Outcome.CREATED]


def test_decide_is_pure_and_checks_keys() -> None:
    assert decide(None, lease(1)) is Outcome.CREATED
    with pytest.raises(ValueError):
        decide(lease(1), lease(2, record_id="LS2"))


def test_current_records_do_not_depend_on_arrival_order() -> None:
    history = [lease(1), lease(2, "1900"), lease(3, op="retract"), lease(4, "2000"),
               lease(1, record_id="LS2"), lease(2, op="retract", record_id="LS2")]
    expected = {(r.record_id, r.version) for r in current_records(history)}
    assert expected == {("LS1", 4)}
    for order in itertools.permutations(history):
        assert {(r.record_id, r.version) for r in current_records(order)} == expected
