"""Where scoring reads department records: the records app (xinjumin.records).

- `records_for(id_numbers)` → points Records for one-person scoring
  (records.selectors.engine_records_for);
- `current_population()` → the current records of every type as Polars LazyFrames for
  population scoring, read straight from the database (records.columnar.read_population:
  the frames points.population.load_current would give, and the keyed hash of every ID
  number read); `current_frames()` → the frames alone;
- `id_numbers_for(hashes)` → {subject_hash: id_number} (Resident, else the records' own
  encrypted subject id).

Setting `XJM_SCORING_FEEDS` (a directory of feed files or Parquet) makes the population
path read those files instead (points.population.load_current; no hashes then).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from points import Record
from xinjumin.people.models import Resident
from xinjumin.people.selectors import id_number_hash
from xinjumin.records.columnar import Population


def records_for(id_numbers: list[str]) -> list[Record]:
    """Everything the engine needs to score these people (own, spouses', guardians' and
    children's records, the links, complex rents)."""
    from xinjumin.records.selectors import engine_records_for

    return engine_records_for(id_numbers=id_numbers)


def current_population() -> Population:
    """Current records of every type as Polars LazyFrames (versions applied), with the
    (id_number, subject_hash) pairs of the people they name (None when read from files),
    and the seconds the read took."""
    feeds = feeds_dir()
    if feeds is not None:
        from points import load_current

        t = time.perf_counter()
        frames = load_current(feeds)
        return Population(frames, None, {"read": time.perf_counter() - t})
    from xinjumin.records.columnar import read_population

    return read_population()


def current_frames() -> dict:
    """Current records of every type as Polars LazyFrames (versions applied); nothing is
    written to disk."""
    return current_population().frames


def feeds_dir() -> Path | None:
    """The directory of feed files the population is read from (XJM_SCORING_FEEDS), or
    None: the database."""
    feeds = getattr(settings, "XJM_SCORING_FEEDS", "")
    return Path(feeds) if feeds else None


def id_numbers_for(hashes: Iterable[str]) -> dict[str, str]:
    """{subject_hash: ID number} for the hashes known as residents or record subjects."""
    wanted = set(hashes)
    out: dict[str, str] = {}
    for r in Resident.objects.filter(id_hash__in=wanted).only("id_hash", "id_number"):
        out[r.id_hash] = r.id_number
    missing = wanted - set(out)
    if missing:
        from xinjumin.records.models import SourceRecord

        rows = (SourceRecord.objects.filter(subject_hash__in=missing, op="upsert")
                .order_by("subject_hash").only("subject_hash", "id_number"))
        for rec in rows:
            if rec.subject_hash not in out and rec.id_number:
                out[rec.subject_hash] = rec.id_number
    return out


def subject_hash(id_number: str) -> str:
    """The keyed hash that names a subject (= Resident.id_hash)."""
    return id_number_hash(id_number)
