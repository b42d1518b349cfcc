"""Synthetic population of new residents, as department feeds (docs: feeds.md).

``generate(n, seed, out_dir)`` writes every record type of ``points.feeds.schema`` (an
empty file for ``record_override``, which only the platform writes) for ``n`` invented
residents over the ten districts of domain §3: ages, permits, overlapping insurance
periods with two employers, employment spells with gaps, diplomas, skills, homes, spouses and
children, the rare bonus and deduction records, district items (patrol in 330226), plus
replays, corrections (sometimes arriving first) and retractions. ID numbers and credit codes
verify (GB 11643 / GB 32100).

Generation is columnar (Polars expressions over a chunk of person indices, no per-person
Python) and deterministic: every random draw is a pure hash of (seed, stream, person, k), so
the output does not depend on the chunk size. Memory is bounded by one chunk; Parquet files
are appended chunk by chunk (one file per record type), JSON Lines / CSV for small runs.

Modules: ``rng`` (the hashed draws), ``places`` (districts, streets, origins), ``people``
(ID numbers, employers, chunks of persons), ``frames`` (what the builders share), the record
builders by domain (``family``, ``work``, ``housing``, ``events``), ``versions`` (replays,
corrections, retractions) and ``write`` (feeds.md columns, one file per type).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from points.synth.events import EVENTS, district_items, event_builder
from points.synth.family import guardianships, marriages, permits, registrations
from points.synth.frames import Builder
from points.synth.housing import (
    complex_rents,
    dormitories,
    homes,
    leases,
    public_rentals,
)
from points.synth.people import employers, person_chunk
from points.synth.rng import Rng
from points.synth.versions import with_versions
from points.synth.work import (
    diplomas,
    employment,
    insurance,
    insured,
    shortage,
    skills,
    unions,
)
from points.synth.write import Writer, finish

__all__ = ["BUILDERS", "CHUNK", "generate"]

EPOCH = dt.date(1970, 1, 1)
CHUNK = 250_000  # persons per chunk (a multiple of 4: households never straddle chunks)


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


BUILDERS: dict[str, Builder] = {  # record type → builder (in this order per chunk)
    "residence_registration": registrations, "residence_permit": permits,
    "guardianship": guardianships, "marriage": marriages,
    "social_insurance_period": insurance, "employment": employment,
    "skill_certificate": skills, "shortage_post": shortage, "diploma": diplomas,
    "lease": leases, "home_ownership": homes, "public_rental": public_rentals,
    "dormitory": dormitories, "insured_employees": insured,
    **{name: event_builder(name) for name in EVENTS}, "union_membership": unions,
    "district_item": district_items,
}
# Not generated: record_override (the platform's own decisions, domain §9.1: no feed or
# file import may carry them, so a generated population stays importable as files).


def generate(n: int, seed: int, out_dir: Path, fmt: str = "parquet",
             as_of: dt.date = dt.date(2026, 12, 1), chunk: int = CHUNK) -> dict:
    """Write ``n`` synthetic residents' records (every feeds.md type) into ``out_dir``.

    Deterministic: the same (n, seed, as_of) gives the same rows whatever ``chunk`` is.
    Returns ``{"residents": n, "records": total, "by_type": {type: rows}}``.
    """
    if chunk % 4:
        raise ValueError("chunk must be a multiple of 4 (households stay in one chunk)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng, d = Rng(seed), _days(as_of)
    pool = employers(max(500, n // 20), seed)
    writer = Writer(out_dir, fmt)
    writer.write("complex_rent", finish(with_versions(complex_rents(rng, as_of.year),
                                                      "complex_rent", rng), "complex_rent"))
    offsets = pl.DataFrame(schema={"birth": pl.Int32, "male": pl.Boolean, "off": pl.Int64})
    try:
        for lo in range(0, n, chunk):
            persons, offsets = person_chunk(lo, min(n, lo + chunk), rng, d, offsets)
            for name, build in BUILDERS.items():
                rows = build(persons, rng, d, pool)
                writer.write(name, finish(with_versions(rows, name, rng), name))
    finally:
        writer.close()
    return {"residents": n, "records": sum(writer.counts.values()),
            "by_type": dict(writer.counts)}

