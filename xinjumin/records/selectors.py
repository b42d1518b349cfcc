"""Reading department records: for the scoring engine, for the back office, for batches.

Selectors decrypt only what they return. Records are found through keyed hashes
(`subject_hash`, `linked_hash` = people.selectors.id_number_hash), never by decrypting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, TextField
from django.db.models.functions import Cast

from points import SOURCES, Record, mask_id_number
from xinjumin.accounts.access import access_resident
from xinjumin.core import crypto
from xinjumin.records.codec import (
    LINKED_FIELD_OF_TYPE,
    HashCache,
    record_from_row,
    typed_fields,
)
from xinjumin.records.models import (
    ImportBatch,
    RecordVersion,
    RowRejection,
    SourceRecord,
    complex_id_in,
    linked_hash_in,
)

_FAMILY_TYPES = ("marriage", "guardianship")


def _record(row: tuple[Any, ...], plain: dict[str, str]) -> Record:
    """A Record from a _raw_rows row (raw encrypted values)."""
    source, type_, record_id, version, op, id_enc, linked_enc, stored = row
    id_number = _decrypt(id_enc, plain) or None
    linked = _decrypt(linked_enc, plain)
    return record_from_row(source, type_, record_id, version, op, id_number,
                           typed_fields(type_, stored, linked))


def _decrypt(stored: str, plain: dict[str, str]) -> str:
    if not stored:
        return ""
    value = plain.get(stored)
    if value is None:
        value = plain[stored] = crypto.decrypt(stored)
    return value


def _raw_rows(q: Q) -> Any:
    """values_list rows of live records matching q, with the encrypted columns read raw
    (Cast skips the field's decryption) so that the caller decrypts each value once."""
    return SourceRecord.objects.filter(q, op="upsert").order_by("pk").annotate(
        raw_id=Cast(F("id_number"), output_field=TextField()),
        raw_linked=Cast(F("linked_id_number"), output_field=TextField()),
    ).values_list("source", "type", "record_id", "version", "op", "raw_id", "raw_linked",
                  "fields")


def engine_records_for(*, id_numbers: list[str]) -> list[Record]:
    """The live records (typed as points.feeds produces them, retractions excluded) that
    the engine needs to score these people: their own; those of the people linked to them
    by marriage or guardianship (either side), and of the people linked to those (a
    child's guardians' spouses), with the linking records; the insured_employees they are
    subject of (their own records); and complex_rent for the complexes of the leases
    among these records."""
    hashes = HashCache()
    people = {hashes(i) for i in id_numbers if i}
    if not people:
        return []
    # Two steps along marriages and guardianships (either side): a child's guardians and
    # their spouses (whose homes count for the guardian's housing item).
    everyone = set(people)
    frontier = set(people)
    for _ in range(2):
        linked = set(SourceRecord.objects.filter(
            type__in=_FAMILY_TYPES, op="upsert", subject_hash__in=frontier,
        ).values_list("linked_hash", flat=True))
        linked |= set(SourceRecord.objects.filter(
            linked_hash_in(frontier), type__in=_FAMILY_TYPES, op="upsert",
        ).values_list("subject_hash", flat=True))
        frontier = linked - everyone - {""}
        everyone |= frontier
        if not frontier:
            break
    rows = list(_raw_rows(Q(subject_hash__in=everyone)
                          | (Q(type__in=_FAMILY_TYPES) & linked_hash_in(everyone))))
    complexes = {r[7].get("complex_id") for r in rows if r[1] == "lease"} - {None}
    if complexes:
        rows += list(_raw_rows(Q(type="complex_rent") & complex_id_in(complexes)))
    plain: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (row[0], row[2])
        if key not in seen:
            seen.add(key)
            out.append(_record(row, plain))
    return out


def live_records(*, types: Iterable[str] | None = None) -> Iterable[Record]:
    """Every live record (optionally of some types), streamed (for small deployments and
    tests; the city-wide path is export.records_export_parquet)."""
    q = Q(type__in=list(types)) if types is not None else Q()
    plain: dict[str, str] = {}
    for row in _raw_rows(q).iterator(chunk_size=5000):
        if len(plain) > 200_000:
            plain.clear()
        yield _record(row, plain)


@dataclass
class VersionView:
    version: int
    op: str
    fields: dict[str, Any]
    batch_id: int
    received_at: Any


@dataclass
class RecordView:
    source: str
    type: str
    record_id: str
    version: int
    op: str
    role: str  # "subject" or the linked role ("spouse", "child")
    fields: dict[str, Any]
    received_at: Any
    first_received_at: Any
    batch_id: int
    versions: list[VersionView] = field(default_factory=list)  # oldest first, current last

    @property
    def ref(self) -> str:
        return f"{self.source}:{self.record_id}"

    @property
    def retracted(self) -> bool:
        return self.op == "retract"


def _shown_fields(type_name: str, stored: dict[str, Any], linked: str) -> dict[str, Any]:
    out = dict(stored)
    name = LINKED_FIELD_OF_TYPE.get(type_name)
    if name and linked:
        out[name] = mask_id_number(linked)
    return out


def records_history_for(*, user: Any, resident: Any) -> dict[str, list[RecordView]]:
    """What each department has sent about `resident` (as subject, spouse or child), with
    every version, for a staff member whose scope includes them (accounts.access: NotFound
    outside it; the read is audited). {source: [RecordView, ...]} in the order of SOURCES;
    linked ID numbers masked, retractions included."""
    resident_id = getattr(resident, "pk", resident)
    person = access_resident(user=user, resident_id=resident_id, purpose="records")
    h = person.id_hash
    current = list(SourceRecord.objects.filter(Q(subject_hash=h) | linked_hash_in([h]))
                   .order_by("source", "type", "record_id"))
    views: dict[tuple[str, str], RecordView] = {}
    for r in current:
        role = "subject" if r.subject_hash == h else (
            "spouse" if r.type == "marriage" else "child")
        views[(r.source, r.record_id)] = RecordView(
            r.source, r.type, r.record_id, r.version, r.op, role,
            _shown_fields(r.type, r.fields, r.linked_id_number), r.received_at,
            r.first_received_at, r.batch_id)
    if views:  # superseded versions (RecordVersion), then the current one (SourceRecord)
        q = Q()
        for source in {k[0] for k in views}:
            q |= Q(source=source, record_id__in=[k[1] for k in views if k[0] == source])
        for v in RecordVersion.objects.filter(q).order_by("source", "record_id", "version"):
            views[(v.source, v.record_id)].versions.append(VersionView(
                v.version, v.op, _shown_fields(v.type, v.fields, v.linked_id_number),
                v.batch_id, v.received_at))
        for view in views.values():
            view.versions.append(VersionView(view.version, view.op, dict(view.fields),
                                             view.batch_id, view.received_at))
    out: dict[str, list[RecordView]] = {}
    for source in SOURCES:
        items = [v for k, v in views.items() if k[0] == source]
        if items:
            out[source] = items
    return out


def batch_rejections(*, batch: ImportBatch) -> list[RowRejection]:
    """The rejected rows of a batch, by row number (for the error report)."""
    return list(batch.rejections.order_by("row", "id"))


def batches_recent(*, limit: int = 50) -> list[ImportBatch]:
    """The latest import batches."""
    return list(ImportBatch.objects.order_by("-started_at", "-id")[:limit])


def subject_id_numbers(*, subject_hashes: Iterable[str]) -> dict[str, str]:
    """{keyed hash: ID number} for people named in records, as subject or as the linked
    person (a child, a spouse); each number decrypted once."""
    wanted = {h for h in subject_hashes if h}
    out: dict[str, str] = {}
    if not wanted:
        return out
    for hash_col, raw_col in (("subject_hash", "id_number"), ("linked_hash", "linked_id_number")):
        missing = sorted(wanted - set(out))
        for i in range(0, len(missing), 1000):
            part = missing[i:i + 1000]
            q = Q(subject_hash__in=part) if hash_col == "subject_hash" else linked_hash_in(part)
            rows = SourceRecord.objects.filter(q) \
                .annotate(raw=Cast(F(raw_col), output_field=TextField())) \
                .values_list(hash_col, "raw")
            for digest, raw in rows:
                if digest not in out and raw:
                    out[digest] = crypto.decrypt(raw)
    return out
