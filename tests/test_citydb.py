"""The bench's city database builder (bench/citydb.py) stores exactly what the import
stores: a small generated population imported through records_import_file, then built by
the builder into the emptied tables, compared column by column (ciphertexts after
decryption; primary keys, batch ids and times aside)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.db import connection

from bench import citydb
from points.feeds import Record
from points.feeds.readers import feed_files, read_file
from points.feeds.versions import RecordStore, current_records
from points.identifiers import parse_id_number
from points.population.load import records_frame
from points.synth import generate
from xinjumin.core import crypto
from xinjumin.geo.models import Street
from xinjumin.people.models import Resident
from xinjumin.people.selectors import id_number_hash
from xinjumin.records.codec import dumps, stored_fields
from xinjumin.records.models import ImportBatch, RecordVersion, SourceRecord
from xinjumin.records.services import records_import_file

CURRENT = ("source", "record_id", "type", "version", "op", "subject_hash", "id_number",
           "linked_hash", "linked_id_number", "complex_id", "fields", "digest")
HISTORY = ("source", "record_id", "type", "version", "op", "linked_id_number", "fields",
           "digest")
COUNTS = ("file_name", "status", "rows", *ImportBatch.COUNTS)


def _rows(table: str, names: tuple[str, ...]) -> list[tuple]:
    """The rows as stored (text as in the table), ciphertexts decrypted."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(names)} FROM {table}")  # noqa: S608
        rows = cur.fetchall()
    return sorted(tuple(crypto.decrypt(v) if n.endswith("id_number") and v else v
                        for n, v in zip(names, row, strict=True)) for row in rows)


def _snapshot() -> dict[str, list[tuple]]:
    return {
        "current": _rows(SourceRecord._meta.db_table, CURRENT),
        "history": _rows(RecordVersion._meta.db_table, HISTORY),
        "batches": sorted(ImportBatch.objects.values_list(*COUNTS)),
    }


def _raw_ids() -> dict[str, set[str]]:
    """Each subject's stored ciphertexts (as in the table), by keyed hash."""
    out: dict[str, set[str]] = {}
    with connection.cursor() as cur:
        cur.execute("SELECT subject_hash, id_number FROM records_sourcerecord")
        for h, sealed in cur.fetchall():
            if h:
                assert sealed.startswith(crypto.current_key_id() + "$")
                out.setdefault(h, set()).add(sealed)
    return out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_builder_stores_what_the_import_stores(tmp_path: Path, monkeypatch) -> None:
    from xinjumin.scoring import tasks

    monkeypatch.setattr(tasks, "rescore_subjects_task", lambda hashes: None)  # not needed
    pop = tmp_path / "pop"
    generate(400, 5, pop)  # Parquet, as the bench's population
    for path in feed_files([pop]):
        batch = records_import_file(path=path)
        assert batch.rejected == 0
    imported = _snapshot()
    # the population has what the builder must get right
    ops = {r[4] for r in imported["current"]}
    assert ops == {"upsert", "retract"}
    assert any(r[3] > 1 for r in imported["current"]) and imported["history"]
    assert any(r[8] for r in imported["current"] if r[2] == "marriage")
    assert any(r[8] for r in imported["current"] if r[2] == "guardianship")
    assert any('.' in r[10] and "rent" in r[10] for r in imported["current"])
    counts = {k: sum(b[i + 2] for b in imported["batches"])
              for i, k in enumerate(("rows", *ImportBatch.COUNTS))}
    assert counts["updated"] and counts["unchanged"] and counts["ignored"]

    RecordVersion.objects.all().delete()
    SourceRecord.objects.all().delete()
    ImportBatch.objects.all().delete()
    built = citydb.build(pop, log=lambda *_: None)
    assert built["records"] == len(imported["current"])
    assert built["history"] == len(imported["history"])
    got = _snapshot()
    for part in ("current", "history", "batches"):
        assert len(got[part]) == len(imported[part]), part
        for a, b in zip(got[part], imported[part], strict=True):
            assert a == b, (part, a, b)
    # one ciphertext per person, under the keyed hash of the ID number it holds
    for h, sealed in _raw_ids().items():
        assert len(sealed) == 1
        assert id_number_hash(crypto.decrypt(next(iter(sealed)))) == h


def _record(type_: str, version: int, op: str = "upsert", rid: str = "R-1",
            **fields: object) -> Record:
    return Record("PSB" if type_ != "lease" else "HOUSING", type_, rid, version, op,
                  "110101199003077578", fields)


def test_payload_json_is_the_codecs_for_every_kind_of_value() -> None:
    leases = [
        _record("lease", 1, district="330203", complex_id='c"1\\x', unit="单元 1-2\n",
                monthly_rent=Decimal("3500.5"), start=dt.date(2024, 1, 31)),
        _record("lease", 1, rid="R-2", district="330203", complex_id="330203001-0001",
                unit="1-1-101", monthly_rent=Decimal("12"), start=dt.date(2020, 2, 29),
                end=dt.date(2021, 2, 28)),
    ]
    certs = [_record("skill_certificate", 1, kind="vocational", level=3,
                     title="高级\tworker", issued_on=dt.date(2019, 5, 1))]
    marriages = [_record("marriage", 1, spouse_id_number="110101199003071234",
                         since=dt.date(2015, 10, 1))]
    for records in (leases, certs, marriages):
        df = records_frame(records, records[0].type)
        got = citydb.fields_json(df, records[0].type).to_list()
        assert got == [dumps(stored_fields(r)[0]) for r in records]


def test_outcomes_follow_the_version_rules() -> None:
    base = {"kind": "fine", "decided_on": dt.date(2024, 1, 2)}
    later = {"kind": "fine", "decided_on": dt.date(2024, 3, 4)}
    arrivals = [
        _record("admin_penalty", 2, rid="A", **later),  # correction before the original
        _record("admin_penalty", 1, rid="A", **base),
        _record("admin_penalty", 1, rid="B", **base),
        _record("admin_penalty", 1, rid="B", **base),  # replay
        _record("admin_penalty", 2, "retract", rid="B", **base),
        _record("admin_penalty", 3, rid="B", **later),  # restored
        _record("admin_penalty", 1, rid="C", **base),
        _record("admin_penalty", 2, "retract", rid="C", **base),
    ]
    decided = citydb.outcomes(records_frame(arrivals, "admin_penalty"))
    store = RecordStore()
    assert decided["_outcome"].to_list() == [o.value for o in store.apply_all(arrivals)]
    current = decided.filter(pl.col("_store") == "current")
    assert sorted(zip(current["record_id"], current["version"], strict=True)) == sorted(
        (r.record_id, r.version) for r in (store.get("PSB", k) for k in "ABC") if r)
    history = decided.filter(pl.col("_store") == "history")
    assert list(zip(history["record_id"], history["version"], strict=True)) == [
        ("B", 1), ("B", 2), ("C", 1)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_builder_registers_everyone_with_a_live_residence_registration(
        tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    generate(2000, 11, pop)
    path = pop / "residence_registration.parquet"
    records = [r for _, r in read_file(path) if not isinstance(r, list)]
    live = current_records(records)
    assert len(live) < len({r.key for r in records})  # some registrations were retracted
    assert len(live) > len({r.id_number for r in live})  # some people moved
    latest: dict[str, object] = {}
    for r in sorted(live, key=lambda r: (r.get("registered_on"), r.record_id)):
        latest[r.id_number] = r
    Resident.objects.all().delete()

    built = citydb.residents(pop, log=lambda *_: None)

    assert built["residents"] == len(latest) == Resident.objects.count()
    streets = set(Street.objects.values_list("code", flat=True))
    for resident in Resident.objects.all():
        reg = latest.pop(resident.id_number)
        parsed = parse_id_number(resident.id_number, today=dt.date(2026, 12, 1))
        assert resident.id_hash == id_number_hash(resident.id_number)
        assert resident.birth_date == parsed.birth_date
        assert resident.gender == ("M" if parsed.male else "F")
        assert resident.district_id == reg.get("district")
        assert resident.street_id == (reg.get("street") if reg.get("street") in streets
                                      else None)
        assert (resident.arrived_on, resident.registered_on) == (
            reg.get("arrived_on"), reg.get("registered_on"))
        assert resident.name and resident.phone == "" and resident.phone_hash is None
    assert not latest
    with connection.cursor() as cur:  # sealed at rest like any other resident's number
        cur.execute("SELECT id_number FROM people_resident")
        assert all(v.startswith(crypto.current_key_id() + "$") for (v,) in cur.fetchall())
