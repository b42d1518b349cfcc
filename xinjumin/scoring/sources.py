"""Where scoring reads department records: the records app (xinjumin.records).

- `records_for(id_numbers)` → points Records for one-person scoring
  (records.selectors.engine_records_for);
- `current_frames(work_dir)` → {type: LazyFrame} of current records for population scoring
  (records.export.records_export_parquet + points.population.load_current);
- `id_numbers_for(hashes)` → {subject_hash: id_number} (Resident, else the records' own
  encrypted subject id).

Setting `XJM_SCORING_FEEDS` (a directory of feed files or Parquet) makes the population
path read those files directly instead (the benchmark's city-sized population).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from points.feeds.record import Record
from xinjumin.people.models import Resident
from xinjumin.people.selectors import id_number_hash


def records_for(id_numbers: list[str]) -> list[Record]:
    """Everything the engine needs to score these people (own, spouses', guardians' and
    children's records, the links, complex rents)."""
    from xinjumin.records.selectors import engine_records_for

    return engine_records_for(id_numbers=id_numbers)


def current_frames(work_dir: Path) -> dict:
    """Current records of every type as Polars LazyFrames (versions applied)."""
    from points.population import load_current

    feeds = getattr(settings, "XJM_SCORING_FEEDS", "")
    if feeds:
        return load_current(feeds)
    from xinjumin.records.export import records_export_parquet

    records_export_parquet(out_dir=work_dir)
    return load_current(work_dir, strict=False)


def feeds_dir(work_dir: Path) -> Path:
    """Where current_frames read the Parquet files from."""
    feeds = getattr(settings, "XJM_SCORING_FEEDS", "")
    return Path(feeds) if feeds else work_dir


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
