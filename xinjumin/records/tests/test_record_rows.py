"""The import's rows and records by name: codec.record_from_row builds the same Record as
the dataclass, and the named tuples of the write path are the tables' own columns."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.db import models

from points.feeds.record import Record
from xinjumin.records.codec import RECORD_FIELDS, compared_form, record_from_row
from xinjumin.records.models import RecordVersion, SourceRecord
from xinjumin.records.pipeline import Prepared, current_row
from xinjumin.records.store import CurrentRow, StoredVersion, VersionRow, version_row


def _columns(model: type[models.Model]) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields}


def test_record_from_row_is_the_dataclass_record() -> None:
    assert tuple(f.name for f in dataclasses.fields(Record)) == RECORD_FIELDS
    assert not hasattr(Record, "__post_init__")  # record_from_row would skip it
    fields = {"level": "master", "issued_on": dt.date(2013, 7, 1)}
    made = record_from_row("EDU", "diploma", "D-1", 2, "upsert", "33020419850310123X", fields)
    assert made == Record("EDU", "diploma", "D-1", 2, "upsert", "33020419850310123X", fields)
    assert [getattr(made, name) for name in RECORD_FIELDS] == [
        "EDU", "diploma", "D-1", 2, "upsert", "33020419850310123X", fields]
    assert made.key == ("EDU", "D-1") and made.date("issued_on") == dt.date(2013, 7, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.version = 3  # type: ignore[misc]
    assert record_from_row("HRSS", "social_insurance_period", "S-1", 1, "retract", None,
                           {"hours": Decimal("1.00")}) != made


def test_the_write_path_rows_are_the_tables_columns() -> None:
    assert CurrentRow._fields[:len(Prepared._fields)] == Prepared._fields
    assert set(CurrentRow._fields) == _columns(SourceRecord) - {"id"}
    assert set(VersionRow._fields) == _columns(RecordVersion) - {"id"}
    assert {"id" if f == "pk" else f for f in StoredVersion._fields} <= _columns(SourceRecord)


def test_a_prepared_row_becomes_current_then_history_by_name() -> None:
    p = Prepared(source="PSB", record_id="M-1", type="marriage", version=2, op="upsert",
                 subject_hash="s" * 64, id_number="k1:sealed-subject", linked_hash="l" * 64,
                 linked_id_number="k1:sealed-spouse", complex_id="", fields='{"since":"x"}',
                 digest="d" * 64)
    row = current_row(p, 7, "2026-12-01 10:00:00", "2026-01-01 09:00:00")
    assert type(row) is CurrentRow
    assert row._asdict() == {**p._asdict(), "batch_id": 7,
                             "received_at": "2026-12-01 10:00:00",
                             "first_received_at": "2026-01-01 09:00:00"}
    history = version_row(row)
    assert history._asdict() == {name: getattr(row, name) for name in VersionRow._fields}


def test_stored_and_incoming_versions_are_compared_alike() -> None:
    """A stored version and the same one arriving again compare equal (a replay); the
    subject is its keyed hash, the payload its digest: nothing is decrypted."""
    p = Prepared("PSB", "M-1", "marriage", 2, "upsert", "s" * 64, "k1:a", "l" * 64,
                 "k1:b", "", "{}", "d" * 64)
    stored = StoredVersion(pk=5, source="PSB", record_id="M-1", type="marriage", version=2,
                           op="upsert", subject_hash="s" * 64, linked_hash="l" * 64,
                           digest="d" * 64, first_received_at=None)
    assert compared_form(p) == compared_form(stored) == Record(
        "PSB", "marriage", "M-1", 2, "upsert", "s" * 64, {"": "d" * 64})
    assert compared_form(stored._replace(digest="e" * 64)) != compared_form(p)
    assert compared_form(stored._replace(subject_hash="")).id_number is None
