"""The permits the daily job suspends (domain.md §6), found over the whole city.

One pass over the live `residence_permit` records (the partial index
`records_permit_type` finds them among the city's other records) reads each one's
payload JSON; Polars decodes it to dates and applies the precise reading of
`permits.reading` to every permit at once (`suspension_candidates`, the same rule
vectorised: a test holds the two equal). The few candidates are then read whole (ID number
decrypted) and each is decided by `reading.suspension_due` itself, so the rule that
decides is the one the endorsement and the permit page use. Permits a live override sets
aside at D (a PSB permit the platform continues) are left out: their continuation is read
instead. Selectors read and never write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db import connection

from xinjumin.permits import reading
from xinjumin.permits.reading import PermitDates
from xinjumin.permits.selectors import PermitView, permit_dates, permit_view
from xinjumin.records.codec import record_from_row, typed_fields
from xinjumin.records.models import SourceRecord

FETCH_ROWS = 100_000
READ_IN = 500  # candidates read whole per query

_DATES = ("issued_on", "count_start", "last_endorsed_on", "suspended_on", "ended_on")
_PERMIT = pl.Struct({name: pl.String for name in _DATES})
_OVERRIDE = pl.Struct({"target_source": pl.String, "target_record_id": pl.String,
                       "from": pl.String, "until": pl.String})


@dataclass(frozen=True)
class Suspension:
    view: PermitView  # the permit as it reads today
    new: PermitDates  # suspended from the anniversary missed
    id_number: str


_INDEXED = frozenset({"residence_permit", "record_override"})


def _frame(type_: str) -> pl.DataFrame:
    """(record_id, version, fields) of the live records of `type_`, as text columns. The
    type is written into the SQL, not bound: SQLite uses the partial index
    (records_permit_type, records_override_type) only when the query repeats its
    condition, which a parameter does not."""
    if type_ not in _INDEXED:
        raise ValueError(type_)
    ids: list[str] = []
    versions: list[int] = []
    payloads: list[str] = []
    with connection.cursor() as cur:
        cur.execute("SELECT record_id, version, fields FROM records_sourcerecord "  # noqa: S608
                    f"WHERE type = '{type_}' AND op = 'upsert'")
        while rows := cur.fetchmany(FETCH_ROWS):
            for rid, version, payload in rows:
                ids.append(rid)
                versions.append(version)
                payloads.append(payload)
    return pl.DataFrame({"record_id": ids, "version": versions, "fields": payloads},
                        schema={"record_id": pl.String, "version": pl.Int64,
                                "fields": pl.String})


def _anniversary(issued: pl.Expr, k: pl.Expr) -> pl.Expr:
    """issued + k years, 29 February → 28 February in common years (reading.anniversary)."""
    year = issued.dt.year().cast(pl.Int32) + k.cast(pl.Int32)
    month, day = issued.dt.month(), issued.dt.day()
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return pl.date(year, month, pl.when((month == 2) & (day == 29) & ~leap).then(28)
                   .otherwise(day))


def due_anniversary_expr() -> pl.Expr:
    """reading.due_anniversary over columns issued_on, last_endorsed_on."""
    issued, endorsed = pl.col("issued_on"), pl.col("last_endorsed_on")
    after = endorsed + pl.duration(days=reading.WINDOW_DAYS)
    k = pl.max_horizontal(pl.lit(1), after.dt.year().cast(pl.Int32)
                          - issued.dt.year().cast(pl.Int32))
    first = _anniversary(issued, k)
    following = pl.when(first <= after).then(_anniversary(issued, k + 1)).otherwise(first)
    return pl.when(endorsed.is_null()).then(_anniversary(issued, pl.lit(1))).otherwise(
        following)


def suspension_candidates(permits: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The rows of `permits` (date columns of residence_permit) that reading.suspension_due
    suspends at `day`, with their `due` anniversary."""
    due, ended = pl.col("due"), pl.col("ended_on")
    susp, endorsed = pl.col("suspended_on"), pl.col("last_endorsed_on")
    lifted = susp.is_not_null() & endorsed.is_not_null() & (susp <= endorsed) & (
        endorsed <= day)
    suspended_now = (susp.is_not_null() & (susp <= day) & ~lifted
                     & (pl.col("issued_on") <= day) & (ended.is_null() | (ended >= day)))
    return (permits.with_columns(due=due_anniversary_expr())
            .filter((due <= day) & (ended.is_null() | (ended >= due)) & ~suspended_now
                    & (susp.is_null() | (susp < due))))


def _set_aside(day: dt.date) -> pl.DataFrame:
    """record_id of the PSB records an override in force at `day` sets aside."""
    o = _frame("record_override")
    if o.is_empty():
        return pl.DataFrame({"record_id": []}, schema={"record_id": pl.String})
    f = o.select(pl.col("fields").str.json_decode(_OVERRIDE)).unnest("fields")
    start, until = pl.col("from").str.to_date(), pl.col("until").str.to_date()
    return (f.filter((pl.col("target_source") == "PSB") & (start <= day)
                     & (until.is_null() | (until >= day)))
            .select(record_id=pl.col("target_record_id")).unique())


def suspensions_due(day: dt.date) -> list[Suspension]:
    """The permits the daily job of `day` suspends, each with its new reading."""
    permits = _frame("residence_permit")
    if permits.is_empty():
        return []
    dated = permits.with_columns(pl.col("fields").str.json_decode(_PERMIT)).unnest(
        "fields").with_columns(pl.col(name).str.to_date() for name in _DATES)
    candidates = suspension_candidates(dated, day).join(_set_aside(day), on="record_id",
                                                        how="anti")
    ids = candidates.get_column("record_id").to_list()
    out: list[Suspension] = []
    for start in range(0, len(ids), READ_IN):
        rows = SourceRecord.objects.filter(
            source="PSB", record_id__in=ids[start:start + READ_IN], op="upsert",
        ).values_list("source", "record_id", "version", "id_number", "fields")
        for source, rid, version, id_number, stored in rows:
            record = record_from_row(source, "residence_permit", rid, version, "upsert",
                                     id_number, typed_fields("residence_permit", stored, ""))
            dates = permit_dates(record)
            due = reading.suspension_due(dates, day)
            if due is None:
                continue
            new = PermitDates(dates.issued_on, dates.count_start, dates.last_endorsed_on,
                              due, dates.ended_on)
            out.append(Suspension(permit_view(record, day), new, id_number))
    out.sort(key=lambda s: s.view.record.record_id)
    return out
