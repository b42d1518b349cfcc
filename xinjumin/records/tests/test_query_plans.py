"""Reads of one person's records use the indexes, never a scan of every record.

On a city-sized table (36 M records) one scan costs seconds: a resident's first score of
the day, an event re-score and the back office's records page each read a few people's
records. The partial indexes on linked_hash and complex_id serve a query only when it
repeats their condition (records.models.linked_hash_in / complex_id_in), which is easy to
forget and invisible on a small table, so each query the readers send is EXPLAINed here:
on SQLite no step may SCAN the records tables; on PostgreSQL, with sequential scans
priced out (enable_seqscan off: the planner still picks one when no index can serve the
query), the plan may hold no Seq Scan on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.personas import ADULT_HS_ID, ADULT_YZ_ID, CHILD_YZ_ID
from xinjumin.people.selectors import id_number_hash
from xinjumin.records.selectors import (
    engine_records_for,
    records_history_for,
    subject_id_numbers,
)
from xinjumin.records.services import records_ingest
from xinjumin.scoring.selectors import _cited_records

from .conftest import family_records

TABLES = ("records_sourcerecord", "records_recordversion")


def _plan(sql: str) -> list[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql)
        return [str(row[-1]) for row in cur.fetchall()]


def _scans(sql: str) -> list[str]:
    """The steps of the query's plan that read a records table whole."""
    with transaction.atomic():
        steps = _plan(sql)
    if connection.vendor == "postgresql":
        return [s for s in steps for t in TABLES if f"Seq Scan on {t}" in s]
    return [s for s in steps for t in TABLES if s.startswith(f"SCAN {t}")]


def _queries(call: Callable[[], Any]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries
            if any(t in q["sql"] for t in TABLES) and q["sql"].lstrip().startswith("SELECT")]


def _assert_indexed(call: Callable[[], Any], expected_queries: int) -> None:
    queries = _queries(call)
    assert len(queries) >= expected_queries, queries
    for sql in queries:
        assert _scans(sql) == [], sql


@pytest.mark.django_db
def test_the_check_sees_a_scan() -> None:
    table = "SELECT id FROM records_sourcerecord WHERE "
    assert _scans(table + "digest = 'x'")  # no index on digest
    assert not _scans(table + "subject_hash = 'x'")
    # without the condition, the partial index on linked_hash serves SQLite not at all,
    # PostgreSQL only while it can prove the condition (IN lists of up to 100 values)
    many = ", ".join(f"'{i:064d}'" for i in range(101))
    assert _scans(table + f"linked_hash IN ({many})")
    assert not _scans(table + f"linked_hash IN ({many}) AND NOT (linked_hash = '')")


@pytest.mark.django_db
def test_engine_records_for_a_family_use_the_indexes() -> None:
    family_records()
    _assert_indexed(lambda: engine_records_for(id_numbers=[CHILD_YZ_ID]), 6)
    _assert_indexed(lambda: engine_records_for(id_numbers=[ADULT_HS_ID, ADULT_YZ_ID]), 6)


@pytest.mark.django_db
def test_a_complexs_rent_is_found_without_reading_its_leases() -> None:
    family_records()
    (sql,) = [q for q in _queries(lambda: engine_records_for(id_numbers=[ADULT_HS_ID]))
              if "complex_rent" in q]
    with transaction.atomic():
        plan = " ".join(_plan(sql))
    assert "records_complex_type" in plan, plan
    if connection.vendor == "sqlite":
        assert "(complex_id=? AND type=?)" in plan, plan


@pytest.mark.django_db
def test_subject_id_numbers_use_the_indexes() -> None:
    family_records()
    hashes = [id_number_hash(i) for i in (ADULT_YZ_ID, ADULT_HS_ID, CHILD_YZ_ID, "x" * 18)]
    _assert_indexed(lambda: subject_id_numbers(subject_hashes=hashes), 2)


@pytest.mark.django_db
def test_cited_records_use_the_indexes() -> None:
    family_records()
    _assert_indexed(lambda: _cited_records(ADULT_YZ_ID, {"EDU:D-1", "PSB:G-1"}), 1)


def test_the_back_office_history_uses_the_indexes(world: Any) -> None:
    family_records()
    clerk = world.users["window_yz"]
    _assert_indexed(lambda: records_history_for(user=clerk, resident=world.adult_yz), 2)


@pytest.mark.django_db
def test_an_import_of_complex_rents_finds_the_leases_by_index() -> None:
    family_records()
    rent = {"source": "HOUSING", "type": "complex_rent", "record_id": "CR-9", "version": 2,
            "complex_id": "C-9", "district": "330203", "year": 2026, "average_rent": 3300}
    _assert_indexed(lambda: records_ingest(rows=[rent], today=dt.date(2026, 11, 2)), 1)
