"""The stored score: one specification of its format and one writer (issue #10).

A `StoredScore` row is one subject's score as of D under one merged rule set. Points are
integer hundredths of a point ("82.25" ↔ 8225), exact. Its JSON columns read:

    scores       [hundredths × 10], in the order of DISTRICT_CODES (null for minors)
    items        {"city": {item key: hundredths},
                  "districts": {district code: {item key: hundredths}}}      zeros left out
    explanation  {"records": {item key: ["SOURCE:record_id", …]},
                  "district_records": {district code: {item key: [refs]}},
                  "details": {item key: text}, "district_details": {code: {key: text}},
                  "freezes": [{"item", "record_id", "start", "until"}], "minor_reason": text}
                 or null: the nightly (population) run gives points but no record ids.

Both ways of scoring give a *score frame* (one row per person, columns below) and only
`rows_frame` turns it into StoredScore's columns, only `rows_write` writes them:

    subject_hash, resident_id, home_district, is_minor, common, score, score_<d> × 10,
    frozen, frozen_until                     (points: Int64 hundredths)
    city:<key>                               a city item's points
    <d>:<key>                                district d's item (the one-person path: all ten)
    home:<key>                               the home district's item (the nightly)
    explanation                              JSON text, or absent/null

`ScoreItems.of(row)` and `Explanation.of(row)` read the columns back as typed objects.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection

from points import DISTRICT_CODES, RuleSet
from points import hundredths as _engine_hundredths
from xinjumin.scoring.models import StoredScore

CITY, HOME = "city", "home"
COLUMNS = ("subject_hash", "resident_id", "as_of", "rule_set_hash", "rule_set_profile",
           "is_minor", "common", "home_district", "score", "scores", "items", "explanation",
           "frozen", "frozen_until", "source", "computed_at", "is_current")


def hundredths(value: Decimal | int | None) -> int | None:
    """Points → integer hundredths (None stays None)."""
    return None if value is None else _engine_hundredths(value)


def points_text(h: int | None) -> str | None:
    """Hundredths → exact text with two places ("82.25", "-5.00")."""
    if h is None:
        return None
    sign = "-" if h < 0 else ""
    return f"{sign}{abs(h) // 100}.{abs(h) % 100:02d}"


@dataclass(frozen=True)
class ScoreItems:
    """The `items` column: points per city item and per district item (hundredths)."""

    city: dict[str, int] = field(default_factory=dict)
    districts: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, row: StoredScore) -> ScoreItems:
        data = row.items or {}
        return cls(data.get("city", {}), data.get("districts", {}))


@dataclass(frozen=True)
class Freeze:
    item: str
    record_id: str
    start: str
    until: str


@dataclass(frozen=True)
class Explanation:
    """The `explanation` column: the records and details behind each item, the freezes."""

    records: dict[str, list[str]] = field(default_factory=dict)
    district_records: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    district_details: dict[str, dict[str, str]] = field(default_factory=dict)
    freezes: list[Freeze] = field(default_factory=list)
    minor_reason: str = ""

    @classmethod
    def of(cls, row: StoredScore) -> Explanation | None:
        data = row.explanation
        if data is None:
            return None
        return cls(data.get("records", {}), data.get("district_records", {}),
                   data.get("details", {}), data.get("district_details", {}),
                   [Freeze(**f) for f in data.get("freezes", [])],
                   data.get("minor_reason", ""))

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    def refs(self, district: str | None) -> set[str]:
        """Every record cited by the city items and by `district`'s items."""
        lists = [*self.records.values(),
                 *self.district_records.get(district or "", {}).values()]
        return {ref for refs in lists for ref in refs}


def _points_text(column: str) -> pl.Expr:
    """Hundredths → "82.25" text (null stays null): `points_text` as an expression."""
    v = pl.col(column)
    return pl.format("{}{}.{}", pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                     v.abs() // 100, (v.abs() % 100).cast(pl.String).str.zfill(2))


def _json_object(pairs: list[tuple[str, str]]) -> pl.Expr:
    """{"key":hundredths,...} of the non-zero, non-null columns (key, column)."""
    parts = [pl.when(pl.col(c).fill_null(0) != 0).then(
        pl.format('"' + k + '":{}', pl.col(c))) for k, c in pairs]
    body = pl.concat_str(parts, separator=",", ignore_nulls=True) if parts else pl.lit("")
    return pl.concat_str([pl.lit("{"), body.fill_null(""), pl.lit("}")])


def _districts_object(groups: list[tuple[pl.Expr, list[tuple[str, str]]]]) -> pl.Expr:
    """{"<code>":{…},…} of the groups (district code, its item columns) that have points."""
    members = []
    for code, pairs in groups:
        obj = _json_object(pairs)
        members.append(pl.when(obj != "{}").then(
            pl.concat_str([pl.lit('"'), code, pl.lit('":'), obj])))
    body = (pl.concat_str(members, separator=",", ignore_nulls=True) if members
            else pl.lit(""))
    return pl.concat_str([pl.lit("{"), body.fill_null(""), pl.lit("}")])


def _item_columns(names: Iterable[str]) -> tuple[list[tuple[str, str]],
                                                 list[tuple[pl.Expr, list[tuple[str, str]]]]]:
    """The city item columns (key, column) and the district groups of a score frame."""
    city: list[tuple[str, str]] = []
    by_district: dict[str, list[tuple[str, str]]] = {}
    for name in names:
        prefix, _, key = name.partition(":")
        if not key:
            continue
        if prefix == CITY:
            city.append((key, name))
        elif prefix == HOME or prefix in DISTRICT_CODES:
            by_district.setdefault(prefix, []).append((key, name))
    groups = [(pl.col("home_district") if code == HOME else pl.lit(code), pairs)
              for code, pairs in by_district.items()]
    return city, groups


def rows_frame(frame: pl.DataFrame, *, rule_set: RuleSet, as_of: dt.date, source: str,
               computed_at: dt.datetime) -> pl.DataFrame:
    """A score frame → StoredScore's columns (COLUMNS order; JSON and dates as text)."""
    city, groups = _item_columns(frame.columns)
    minor = pl.col("is_minor").fill_null(False)
    scores = pl.concat_str([pl.lit("["), pl.concat_str(
        [pl.col(f"score_{d}").cast(pl.String) for d in DISTRICT_CODES], separator=","),
        pl.lit("]")])
    items = pl.concat_str([pl.lit('{"city":'), _json_object(city), pl.lit(',"districts":'),
                           _districts_object(groups), pl.lit("}")])
    explanation = (pl.col("explanation") if "explanation" in frame.columns
                   else pl.lit(None, pl.String))
    return frame.select(
        "subject_hash", pl.col("resident_id").cast(pl.Int64),
        as_of=pl.lit(as_of.isoformat()), rule_set_hash=pl.lit(rule_set.content_hash),
        rule_set_profile=pl.lit(rule_set.id[:64]), is_minor=minor,
        common=_points_text("common"), home_district=pl.col("home_district").fill_null(""),
        score=_points_text("score"),
        scores=pl.when(minor).then(None).otherwise(scores),
        items=pl.when(minor).then(None).otherwise(items),
        explanation=explanation, frozen=pl.col("frozen").fill_null(False),
        frozen_until=pl.col("frozen_until").cast(pl.String),
        source=pl.lit(source), computed_at=pl.lit(computed_at.isoformat()),
        is_current=pl.lit(True))


# The same in every row of a frame: SQL literals on SQLite, not parameters (binding seven
# parameters per row was about a third of executemany's cost in the nightly).
CONSTANT = ("as_of", "rule_set_hash", "rule_set_profile", "source", "computed_at",
            "is_current")
VARYING = tuple(c for c in COLUMNS if c not in CONSTANT)
# SQLite: rows per INSERT (multi-row VALUES: a fifth less time than one row per
# statement), at most 999 parameters
ROWS_PER_INSERT = 999 // len(VARYING)


def rows_encode(rows: pl.DataFrame) -> Any:
    """Rows ready for `rows_write`: CSV bytes for COPY (PostgreSQL); for SQLite the
    constants and the varying columns' values, ROWS_PER_INSERT rows to a tuple, the rest a
    row to a tuple. Pure: the nightly runs it in a helper thread while the database
    writes the previous chunk."""
    if connection.vendor == "postgresql":
        buf = io.BytesIO()
        rows.write_csv(buf, include_header=False, null_value="")
        return buf.getvalue()
    constants = rows.select(CONSTANT).row(0, named=True) if rows.height else {}
    tuples = list(rows.select(VARYING).iter_rows())
    whole = len(tuples) - len(tuples) % ROWS_PER_INSERT
    chain = itertools.chain.from_iterable
    groups = [tuple(chain(tuples[i:i + ROWS_PER_INSERT]))
              for i in range(0, whole, ROWS_PER_INSERT)]
    return constants, groups, tuples[whole:]


def _literal(value: Any) -> str:
    """A constant as an SQLite literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if "\x00" in text:
        raise ValueError("NUL in a constant")
    return "'" + text.replace("'", "''") + "'"


# SQLite, `replace_current`: a row whose subject has a current row takes that row's place
# (the partial unique index storedscore_one_current is the conflict target)
_REPLACE = (" ON CONFLICT (subject_hash) WHERE is_current DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "subject_hash"))


def rows_write(encoded: Any, *, replace_current: bool = False) -> None:
    """Insert encoded rows (`rows_encode`) into StoredScore's table, on the current
    connection and inside its transaction (COPY on PostgreSQL, executemany on SQLite).
    `replace_current` (SQLite only, the nightly): a row whose subject has a current row
    overwrites it in place."""
    if replace_current and connection.vendor != "sqlite":
        raise ValueError("replace_current is for SQLite")
    table = StoredScore._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            raw = cur.cursor  # psycopg 3 cursor under Django's wrapper
            sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
            with connection.wrap_database_errors, raw.copy(sql) as copy:
                copy.write(encoded)
        return
    constants, groups, tail = encoded
    if not (groups or tail):
        return
    one = "(" + ", ".join(_literal(constants[c]) if c in CONSTANT else "?"
                          for c in COLUMNS) + ")"
    insert = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES "  # noqa: S608
    # the sqlite3 cursor itself (Django's wrapper would read "%" in a literal as a
    # placeholder); same connection, same transaction
    connection.ensure_connection()
    cur = connection.connection.cursor()
    upsert = _REPLACE if replace_current else ""
    try:
        if groups:
            cur.executemany(insert + ", ".join([one] * ROWS_PER_INSERT) + upsert, groups)
        if tail:
            cur.executemany(insert + one + upsert, tail)
    finally:
        cur.close()


def score_frame(people: list[Mapping[str, Any]], rule_set: RuleSet) -> pl.DataFrame:
    """A score frame from rows built in Python (the one-person path), with every column
    the rule set can give, so that a person without some item still has its column."""
    schema: dict[str, Any] = {
        "subject_hash": pl.String, "resident_id": pl.Int64, "home_district": pl.String,
        "is_minor": pl.Boolean, "common": pl.Int64, "score": pl.Int64,
        **{f"score_{d}": pl.Int64 for d in DISTRICT_CODES},
        "frozen": pl.Boolean, "frozen_until": pl.Date,
        **{f"{CITY}:{i.key}": pl.Int64 for i in rule_set.items},
        **{f"{d}:{i.key}": pl.Int64 for d in DISTRICT_CODES for i in rule_set.layer(d).items},
        "explanation": pl.String,
    }
    return pl.from_dicts(list(people), schema=schema)
