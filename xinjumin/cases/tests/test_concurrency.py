"""Two people at once (PostgreSQL, where writers really run concurrently; SQLite
serialises them at BEGIN IMMEDIATE): two reviewers deciding one case — both have read it
open, the conditional UPDATE lets one win and tells the other; one request key sent twice
at the same moment — one case. Threads are held through a database execute wrapper (not a
mock of our code) just before the statement that decides."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests.personas import build_world
from xinjumin.cases.models import Case, CaseEvent
from xinjumin.cases.services import case_act, case_submit
from xinjumin.core.errors import DomainError


def _race(prefix: str, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0) and work(1) in two threads, both held before a statement starting with
    `prefix` until the other reaches it too."""
    barrier = threading.Barrier(2, timeout=10)
    results: list[Any] = []

    def hold(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith(prefix):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # the other thread was refused before reaching it
        return execute(sql, params, many, context)

    def run(i: int) -> None:
        try:
            with connection.execute_wrapper(hold):
                results.append(work(i))
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_reviewers_deciding_one_case_at_once_one_wins(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    world = build_world()
    case = case_submit(kind="objection", resident=world.adult_yz,
                       by=world.users["resident_yz"], client_key="race-case-01",
                       department="HRSS")
    deciders = [("accept", world.users["reviewer_yz"]), ("refuse", world.users["reviewer2_yz"])]

    def decide(i: int) -> Case:
        action, who = deciders[i]
        return case_act(case=Case.objects.get(pk=case.pk), action=action, actor=who,
                        reasons="理由")

    results = _race('UPDATE "cases_case" SET "status"', decide)
    assert len(results) == 2
    assert results.count("case_changed") == 1
    [won] = [r for r in results if isinstance(r, Case)]
    case.refresh_from_db()
    assert case.status == won.status and case.decided_by_id == won.decided_by_id
    assert CaseEvent.objects.filter(case=case).exclude(action="submit").count() == 1


def test_one_request_key_sent_twice_at_once_makes_one_case(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    world = build_world()

    def submit(i: int) -> Case:
        return case_submit(kind="evidence", resident=world.adult_yz,
                           by=world.users["resident_yz"], client_key="race-key-0001",
                           department="HRSS")

    results = _race('INSERT INTO "cases_case"', submit)
    assert len(results) == 2 and all(isinstance(r, Case) for r in results)
    assert results[0].pk == results[1].pk
    assert Case.objects.count() == 1
