"""The vectorised version rules (points.population.versions) against the one-record-at-a-time
rules of ingestion and the one-person path (points.feeds.versions.RecordStore): the same
records in force, the same rejected rows, for random arrival sequences."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points.feeds import Outcome, Record, RecordStore
from points.feeds.record import Op
from points.population.load import frames_from_records, records_frame
from points.population.versions import (
    CONFLICT,
    EXAMPLES,
    IDENTITY_CHANGE,
    Part,
    VersionReport,
    apply_versions,
    report,
)

A, B = "341221199001010132", "11010519491231002X"
TYPES = ("public_rental", "home_ownership")  # both sent by HOUSING: one key, two types
FIELDS = ("district", "start")


@st.composite
def record(draw: st.DrawFn) -> Record:
    op: Op = draw(st.sampled_from(["upsert", "upsert", "retract"]))
    fields = {"district": draw(st.sampled_from(["330212", "330203"])),
              "start": draw(st.sampled_from([dt.date(2024, 1, 1), dt.date(2025, 6, 1)]))}
    if op == "retract" and draw(st.booleans()):
        fields = {}  # a retraction may leave its payload out
    return Record("HOUSING", draw(st.sampled_from(TYPES)), draw(st.sampled_from(["R1", "R2"])),
                  draw(st.integers(1, 3)), op, draw(st.sampled_from([A, A, A, B])), fields)


def _as_tuple(r: dict) -> tuple:
    return (r["type"], r["record_id"], r["version"], r["op"], r["id_number"],
            *(r[f] for f in FIELDS))


def _parts(records: list[Record]) -> dict[str, list[Part]]:
    """One "file" per type (as from Parquet) plus cross-type arrival order in ``_row``."""
    out: dict[str, list[Part]] = {}
    for t in TYPES:
        rows = [(i, r) for i, r in enumerate(records, 1) if r.type == t]
        if rows:
            frame = records_frame([r for _, r in rows], t, [i for i, _ in rows])
            out[t] = [Part(0, frame.lazy())]
    return out


def decided(parts: dict[str, list[Part]], files: tuple[str, ...] = ("f",), *,
            check: bool = True) -> tuple[dict[str, pl.DataFrame], VersionReport]:
    """The records in force per type and the report, as load_checked collects them."""
    v = apply_versions(parts, files, check=check)
    collected = {name: pl.collect_all([p.live, p.rejected]) for name, p in v.plans.items()}
    frames = {name: live for name, (live, _) in collected.items()}
    return frames, report([bad for _, bad in collected.values()], list(v.files))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record(), min_size=1, max_size=9))
def test_same_records_in_force_and_same_rejections_as_the_record_store(
        records: list[Record]) -> None:
    store = RecordStore()
    outcomes = store.apply_all(records)
    want = sorted((r.type, r.record_id, r.version, r.op, r.id_number,
                   *(r.get(f) for f in FIELDS)) for r in store.live())
    frames = frames_from_records(records)
    got = sorted(_as_tuple(row) for t in TYPES
                 for row in frames[t].collect().iter_rows(named=True))
    assert got == want

    _, rep = decided(_parts(records))
    assert rep.conflicts == outcomes.count(Outcome.CONFLICT)
    assert rep.identity_changes == outcomes.count(Outcome.IDENTITY_CHANGE)
    quoted = [(e.kind, e.row) for e in rep.examples]
    expected = [(kind, i) for kind in (CONFLICT, IDENTITY_CHANGE)
                for i in [i for i, o in enumerate(outcomes, 1) if o.value == kind][:EXAMPLES]]
    assert quoted == expected  # the first few of each kind, in arrival order


def test_report_names_source_record_version_file_and_row() -> None:
    first = Record("HOUSING", "public_rental", "R1", 1, "upsert", A,
                   {"district": "330212", "start": dt.date(2024, 1, 1)})
    conflict = Record("HOUSING", "public_rental", "R1", 1, "upsert", A,
                      {"district": "330203", "start": dt.date(2024, 1, 1)})
    replay = first
    moved = Record("HOUSING", "home_ownership", "R1", 2, "upsert", A,
                   {"district": "330212", "start": dt.date(2024, 1, 1)})
    other_person = Record("HOUSING", "public_rental", "R1", 3, "upsert", B,
                          {"district": "330212", "start": dt.date(2024, 1, 1)})
    records = [first, conflict, replay, moved, other_person]
    frames, rep = decided(_parts(records), ("feeds/a.parquet",))
    assert (rep.conflicts, rep.identity_changes) == (1, 2)
    (c,) = [e for e in rep.examples if e.kind == CONFLICT]
    assert (c.source, c.record_id, c.version, c.file, c.row) == (
        "HOUSING", "R1", 1, "feeds/a.parquet", 2)
    assert sorted((e.type, e.row) for e in rep.examples if e.kind == IDENTITY_CHANGE) == [
        ("home_ownership", 4), ("public_rental", 5)]
    text = "\n".join(rep.lines())
    assert "同版本冲突" in text and "same-version conflicts" in text
    assert "身份变更" in text and "identity changes" in text
    assert "feeds/a.parquet 第 2 行 / row 2: HOUSING R1 version 1" in text
    live = frames["public_rental"]
    assert live.select("district", "version").rows() == [("330212", 1)]  # the first stays
    assert frames["home_ownership"].height == 0


def test_without_checks_the_highest_version_wins() -> None:
    rows = [Record("HOUSING", "public_rental", "R1", 1, "upsert", A,
                   {"district": d, "start": dt.date(2024, 1, 1)}) for d in ("330212", "330203")]
    parts = _parts(rows)
    frames, trusted = decided(parts, check=False)
    assert trusted.rejected == 0
    assert frames["public_rental"].get_column("district").to_list() == ["330212"]
    assert decided(parts)[1].conflicts == 1


def test_a_key_seen_once_is_its_own_record() -> None:
    frame = records_frame([Record("HOUSING", "public_rental", f"R{i}", 1, "upsert", A,
                                  {"district": "330212", "start": dt.date(2024, 1, 1)})
                           for i in range(5)], "public_rental", range(1, 6))
    frames, rejected = decided({"public_rental": [Part(0, frame.lazy())]})
    assert frames["public_rental"].get_column("record_id").to_list() == [
        f"R{i}" for i in range(5)]
    assert rejected == VersionReport()
