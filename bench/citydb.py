"""Bench only: a city-sized records database, built straight from the generator's Parquet.

Importing the city's ~37 M rows through records.services.records_import_file (~20k rows/s)
would take over half an hour; this builder writes the SAME stored form in a few minutes,
vectorised with Polars (bench/tests/test_citydb.py compares a small built database with an
imported one, column by column):

- per (source, record_id), in arrival order (files by name, rows in file order), the
  outcome of points.feeds.versions.decide: the first version is created (or retracted),
  a higher one replaces it (updated / retracted), the same one is a replay (unchanged), a
  lower one is ignored; the last applied version is the SourceRecord row (retractions
  included), the ones it replaced are RecordVersion rows. The generator never sends a
  conflict or an identity change; the builder checks that and refuses otherwise;
- per person, the keyed hash (core.crypto.KeyedHasher "id" = Resident.id_hash) and one
  ciphertext (core.crypto.Encrypter), as the importer's Sealer caches them;
- `fields`: codec.dumps(codec.stored_fields(record)) built with Polars expressions
  (compact, keys sorted, ASCII; dates ISO, money/hours with 2 decimals, ints as numbers;
  strings needing escapes go through json's own encoder); `digest` as pipeline.Preparer
  computes it (SHA-256 of codec.digest_text);
- one ImportBatch per file with its counts, received_at = first_received_at = the batch's
  start (every version of a key comes in the same file).

Rows go in through ADBC bulk ingestion (SQLite: its own connection, prepared inserts;
PostgreSQL: COPY), the tables' secondary indexes and constraints dropped during the load
and made again after it. Needs Django set up on the target database, migrated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import polars as pl

from points.feeds.readers import feed_files
from points.feeds.schema import DECIMAL_KINDS, FIELD_ORDER, TYPES, Kind
from points.feeds.writers import arrow_schema

KEY = ["source", "record_id"]
ENVELOPE = ("source", "type", "record_id", "version", "op", "id_number")
SLICE = 2_000_000
CURRENT = ("source", "record_id", "type", "version", "op", "subject_hash", "id_number",
           "linked_hash", "linked_id_number", "complex_id", "fields", "digest", "batch_id",
           "received_at", "first_received_at")
HISTORY = ("source", "record_id", "type", "version", "op", "linked_id_number", "fields",
           "digest", "batch_id", "received_at")
_PLAIN = r'^[\x20-\x21\x23-\x5b\x5d-\x7e]*$'  # printable ASCII without " and \


def _linked_field(type_name: str) -> str | None:
    from xinjumin.records.codec import LINKED_FIELD_OF_TYPE

    return LINKED_FIELD_OF_TYPE.get(type_name)


# ------------------------------------------------------------------ versions and outcomes


def outcomes(raw: pl.DataFrame) -> pl.DataFrame:
    """The rows of one file (arrival order) with `_row`, `_outcome` (decide's outcome of
    each row) and `_store` ("current": the SourceRecord row of its key, "history": a
    RecordVersion row, null: not stored)."""
    df = raw.with_row_index("_row")
    payload = [c for c in raw.columns if c not in ("version", "op")]
    same_key = df.group_by(KEY).agg(
        pl.col("type").n_unique().alias("types"),
        (pl.col("id_number").n_unique() if "id_number" in raw.columns
         else pl.lit(1)).alias("ids"))
    if same_key.filter((pl.col("types") > 1) | (pl.col("ids") > 1)).height:
        raise NotImplementedError("identity changes: import these records instead")
    versions = df.select([*KEY, "version", "op", *[c for c in payload if c not in KEY]]
                         ).unique().group_by([*KEY, "version"]).len()
    if versions.filter(pl.col("len") > 1).height:
        raise NotImplementedError("same-version conflicts: import these records instead")
    df = df.sort([*KEY, "_row"]).with_columns(
        _prev=pl.col("version").cum_max().shift(1).over(KEY))
    prev, v, retract = pl.col("_prev"), pl.col("version"), pl.col("op") == "retract"
    applied = prev.is_null() | (v > prev)
    df = df.with_columns(_outcome=pl.when(applied & retract).then(pl.lit("retracted"))
                         .when(applied & prev.is_null()).then(pl.lit("created"))
                         .when(applied).then(pl.lit("updated"))
                         .when(v == prev).then(pl.lit("unchanged"))
                         .otherwise(pl.lit("ignored")), _applied=applied)
    last = pl.col("_row") == pl.col("_row").filter(pl.col("_applied")).max().over(KEY)
    return df.with_columns(_store=pl.when(pl.col("_applied") & last).then(pl.lit("current"))
                           .when(pl.col("_applied")).then(pl.lit("history"))
                           .otherwise(None)).drop("_prev", "_applied").sort("_row")


# ------------------------------------------------------------------ stored form


def _fragment(name: str, kind: Any, col: pl.Series) -> pl.Expr:
    """`"name":value` of a payload field as codec.dumps writes it (null when absent)."""
    c = pl.col(name)
    key = f'"{name}":'
    if kind is Kind.DATE:
        return pl.concat_str(pl.lit(key + '"'), c.dt.to_string("%Y-%m-%d"), pl.lit('"'))
    if kind in DECIMAL_KINDS:
        text = c.cast(pl.Decimal(12, 2)).cast(pl.String)
        return pl.concat_str(pl.lit(key + '"'), text, pl.lit('"'))
    if kind is Kind.INT:
        return pl.concat_str(pl.lit(key), c.cast(pl.String))
    if col.drop_nulls().str.contains(_PLAIN).all():
        return pl.concat_str(pl.lit(key + '"'), c, pl.lit('"'))
    return pl.concat_str(pl.lit(key), c.map_elements(encode_basestring_ascii,
                                                     return_dtype=pl.String))


def fields_json(df: pl.DataFrame, type_name: str) -> pl.Series:
    """codec.dumps(codec.stored_fields(record)[0]) of each row."""
    spec, linked = TYPES[type_name], _linked_field(type_name)
    names = sorted(n for n in FIELD_ORDER[type_name]
                   if n not in ENVELOPE and n != linked and n in df.columns)
    parts = [_fragment(n, spec.by_name[n].kind, df[n]) for n in names]
    if not parts:
        return pl.Series("fields", ["{}"] * df.height, dtype=pl.String)
    body = pl.concat_str(parts, separator=",", ignore_nulls=True).fill_null("")
    return df.select(pl.concat_str(pl.lit("{"), body, pl.lit("}")).alias("fields"))["fields"]


class People:
    """Keyed hash and one ciphertext per ID number (made once, kept for the whole
    build: a person's records in every file share them, as with the importer's caches)."""

    def __init__(self) -> None:
        from xinjumin.core.crypto import Encrypter, KeyedHasher

        self._hash, self._seal = KeyedHasher("id"), Encrypter()
        self.known = pl.DataFrame(schema={"id_number": pl.String, "hash": pl.String,
                                          "sealed": pl.String})

    def add(self, ids: pl.Series) -> None:
        wanted = (ids.drop_nulls().unique().to_frame("id_number")
                  .join(self.known, on="id_number", how="anti")["id_number"])
        if not wanted.len():
            return
        values = wanted.to_list()
        h, seal = self._hash, self._seal
        fresh = pl.DataFrame({"id_number": wanted, "hash": [h(v) for v in values],
                              "sealed": [seal(v) for v in values]})
        self.known = pl.concat([self.known, fresh])

    def columns(self, df: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
        """df + {prefix}hash, {prefix}sealed of `column` ("" when null)."""
        if column not in df.columns:
            return df.with_columns(pl.lit("").alias(prefix + "hash"),
                                   pl.lit("").alias(prefix + "sealed"))
        named = self.known.rename({"id_number": column, "hash": prefix + "hash",
                                   "sealed": prefix + "sealed"})
        return df.join(named, on=column, how="left", maintain_order="left").with_columns(
            pl.col(prefix + "hash").fill_null(""), pl.col(prefix + "sealed").fill_null(""))


def _digests(texts: pl.Series) -> pl.Series:
    sha = hashlib.sha256
    return pl.Series("digest", [sha(t.encode()).hexdigest() for t in texts.to_list()],
                     dtype=pl.String)


def stored(df: pl.DataFrame, type_name: str, people: People) -> pl.DataFrame:
    """Rows of one type (feeds columns) → their stored columns: source, record_id, type,
    version, op, subject_hash, id_number, linked_hash, linked_id_number, complex_id,
    fields, digest (as pipeline.Preparer makes them)."""
    from xinjumin.records.codec import COMPLEX_TYPES

    linked = _linked_field(type_name)
    df = people.columns(df, "id_number", "s_")
    df = people.columns(df, linked, "l_") if linked else people.columns(df, "", "l_")
    fields = fields_json(df, type_name)
    df = df.with_columns(fields)
    upsert = pl.concat_str(pl.lit("upsert\x1f" + type_name + "\x1f"), pl.col("s_hash"),
                           pl.lit("\x1f"), pl.col("l_hash"), pl.lit("\x1f"), pl.col("fields"))
    retract = pl.concat_str(pl.lit("retract\x1f" + type_name + "\x1f"), pl.col("s_hash"))
    texts = df.select(pl.when(pl.col("op") == "retract").then(retract).otherwise(upsert)
                      .alias("t"))["t"]
    complex_id = (pl.col("complex_id").fill_null("") if type_name in COMPLEX_TYPES
                  and "complex_id" in df.columns else pl.lit(""))
    return df.select(
        "source", "record_id", pl.lit(type_name).alias("type"),
        pl.col("version").cast(pl.Int64), "op",
        pl.col("s_hash").alias("subject_hash"), pl.col("s_sealed").alias("id_number"),
        pl.col("l_hash").alias("linked_hash"), pl.col("l_sealed").alias("linked_id_number"),
        complex_id.alias("complex_id"), "fields", _digests(texts))


# ------------------------------------------------------------------ database


def _db_datetime(value: dt.datetime, vendor: str) -> Any:
    if vendor == "postgresql":
        return value
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


class _Loader:
    """Bulk ingestion into the records tables through ADBC, secondary indexes and
    constraints dropped while it runs."""

    def __init__(self) -> None:
        from django.db import connection

        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc

            self.path = str(connection.settings_dict["NAME"])
            connection.close()
            self.conn = adbc.connect(self.path, autocommit=True)
        else:
            import adbc_driver_postgresql.dbapi as adbc_pg

            from xinjumin.records.columnar import _postgres_conninfo

            self.conn = adbc_pg.connect(_postgres_conninfo())
            connection.close()
        self.saved: list[tuple[str, str]] = []
        self.tables: list[str] = []

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(statement)
            try:
                return list(cur.fetchall())
            except Exception:
                return []

    def drop_indexes(self, tables: list[str]) -> None:
        self.tables += tables
        names = ", ".join(f"'{t}'" for t in tables)
        if self.vendor == "sqlite":
            self.sql("PRAGMA journal_mode = DELETE")
            self.sql("PRAGMA synchronous = OFF")
            rows = self.sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "  # noqa: S608
                            f"AND tbl_name IN ({names}) AND sql IS NOT NULL")
            for name, sql in rows:
                self.sql(f'DROP INDEX "{name}"')
                self.saved.append(("index", sql))
        else:
            self.sql("SET synchronous_commit = off")
            self.sql("SET maintenance_work_mem = '1GB'")
            cons = self.sql(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "  # noqa: S608
                f"FROM pg_constraint WHERE conrelid::regclass::text IN ({names}) "
                "AND contype IN ('u', 'f')")
            for table, name, definition in cons:
                self.sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                self.saved.append(("constraint",
                                   f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" '
                                   f"{definition}"))
            rows = self.sql("SELECT indexname, indexdef FROM pg_indexes "  # noqa: S608
                            f"WHERE tablename IN ({names}) AND indexname NOT LIKE '%pkey'")
            for name, sql in rows:
                self.sql(f'DROP INDEX "{name}"')
                self.saved.append(("index", sql))
        if self.vendor != "sqlite":
            self.conn.commit()

    def restore_indexes(self) -> None:
        for _, sql in self.saved:
            self.sql(sql)
        if self.vendor == "sqlite":
            self.sql("PRAGMA journal_mode = WAL")
        else:
            for table in self.tables:
                self.sql(f'ANALYZE "{table}"')
            self.conn.commit()

    def ingest(self, table: str, frame: pl.DataFrame) -> None:
        if self.vendor == "sqlite":
            self.sql("BEGIN")
        elif "version" in frame.columns:  # binary COPY: the column types exactly
            frame = frame.with_columns(pl.col("version").cast(pl.Int32))
        with self.conn.cursor() as cur:
            cur.adbc_ingest(table, frame.to_arrow(compat_level=pl.CompatLevel.oldest()),
                            mode="append")
        self.commit()

    def commit(self) -> None:
        if self.vendor == "sqlite":
            self.sql("COMMIT")
        else:
            self.conn.commit()

    def close(self) -> None:
        self.conn.close()


class _DjangoLoader:
    """The same through Django's connection (an in-memory SQLite database, or inside a
    transaction: the tests): multi-row inserts, COPY on PostgreSQL; indexes kept."""

    def drop_indexes(self, tables: list[str]) -> None:
        pass

    def restore_indexes(self) -> None:
        pass

    def ingest(self, table: str, frame: pl.DataFrame) -> None:
        from django.db import connection

        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in frame.columns)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                    for row in frame.iter_rows():
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * frame.width)
                cur.executemany(f"INSERT INTO {qn(table)} ({cols}) "  # noqa: S608
                                f"VALUES ({marks})", list(frame.iter_rows()))

    def close(self) -> None:
        pass


def _loader() -> _Loader | _DjangoLoader:
    """ADBC with a connection of its own where it sees the database Django uses."""
    from django.db import connection

    if connection.in_atomic_block or (connection.vendor == "sqlite"
                                      and connection.is_in_memory_db()):
        return _DjangoLoader()
    return _Loader()


def _batches(files: list[Path]) -> Iterator[tuple[Path, str]]:
    for path in files:
        name = path.stem if path.stem in TYPES else str(
            pl.scan_parquet(path).select("type").head(1).collect()["type"][0])
        yield path, name


def build(pop_dir: Path, *, log: Any = print) -> dict[str, Any]:
    """Load the generator's Parquet files in `pop_dir` into the (empty) records tables of
    Django's database. Returns {"records": current rows, "history": rows, "seconds": s}."""
    from django.utils import timezone

    from xinjumin.records.models import ImportBatch, RecordVersion, SourceRecord

    if SourceRecord.objects.exists() or RecordVersion.objects.exists():
        raise RuntimeError("the records tables are not empty")
    t0 = time.perf_counter()
    files = list(_batches([p for p in feed_files([pop_dir]) if p.suffix == ".parquet"]))
    batches = {}
    for path, _ in files:  # the batches first: the loader holds its own connection
        now = timezone.now()
        batches[path] = (ImportBatch.objects.create(
            channel=ImportBatch.Channel.FILE, file_name=path.name, started_at=now), now)
    from django.db import connection

    vendor = connection.vendor
    people = People()
    loader = _loader()
    totals = {"records": 0, "history": 0}
    counts: dict[Path, dict[str, int]] = {}
    try:
        loader.drop_indexes([SourceRecord._meta.db_table, RecordVersion._meta.db_table])
        for path, name in files:
            t = time.perf_counter()
            batch, now = batches[path]
            raw = pl.read_parquet(path).select(arrow_schema(name).names)
            decided = outcomes(raw)
            counts[path] = {k: int(v) for k, v in decided["_outcome"].value_counts().iter_rows()}
            counts[path]["rows"] = raw.height
            del raw
            keep = decided.filter(pl.col("_store").is_not_null())
            del decided
            people.add(keep["id_number"] if "id_number" in keep.columns
                       else pl.Series([], dtype=pl.String))
            linked = _linked_field(name)
            if linked:
                people.add(keep[linked])
            when = _db_datetime(now, vendor)
            for lo in range(0, keep.height, SLICE):
                part = keep.slice(lo, SLICE)
                rows = stored(part.drop("_row", "_outcome", "_store"), name, people)
                rows = rows.with_columns(_store=part["_store"])
                current = rows.filter(pl.col("_store") == "current").select(
                    *CURRENT[:12], batch_id=pl.lit(batch.pk, pl.Int64),
                    received_at=pl.lit(when), first_received_at=pl.lit(when))
                history = rows.filter(pl.col("_store") == "history").select(
                    *HISTORY[:5], "linked_id_number", "fields", "digest",
                    batch_id=pl.lit(batch.pk, pl.Int64), received_at=pl.lit(when))
                loader.ingest(SourceRecord._meta.db_table, current)
                if history.height:
                    loader.ingest(RecordVersion._meta.db_table, history)
                totals["records"] += current.height
                totals["history"] += history.height
            log(f"  {name}: {keep.height:,} stored rows in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        loader.restore_indexes()
        log(f"  indexes and constraints made again in {time.perf_counter() - t:.0f} s")
    finally:
        loader.close()
    done = timezone.now()
    for path, (batch, _) in batches.items():
        c = counts.get(path, {})
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.DONE, finished_at=done,
            **{k: c.get(k, 0) for k in ("rows", *ImportBatch.COUNTS)})
    totals["seconds"] = round(time.perf_counter() - t0, 1)
    totals["people"] = people.known.height
    return totals


# ------------------------------------------------------------------ residents

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢"
            "宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕鹏飞"


def registered(pop_dir: Path) -> pl.DataFrame:
    """One row per person with a live residence registration in the generator's files:
    id_number, district, street, arrived_on, registered_on of the latest registration
    (latest registered_on; the last version of each record; retracted records left out)
    — the people the platform knows as Resident rows."""
    path = pop_dir / "residence_registration.parquet"
    live = (pl.scan_parquet(path)
            .select("source", "record_id", "version", "op", "id_number", "district",
                    "street", "arrived_on", "registered_on")
            .sort("version").group_by(KEY).last()
            .filter(pl.col("op") == "upsert"))
    return (live.sort(["registered_on", "record_id"]).group_by("id_number").last()
            .select("id_number", "district", "street", "arrived_on", "registered_on")
            .sort("id_number").collect())


def resident_rows(people: pl.DataFrame, streets: set[str], now: Any) -> pl.DataFrame:
    """people_resident rows for `registered(...)` people: the keyed hash and ciphertext
    of each ID number (as Resident.save makes them), gender and birth date read from the
    number, a name made up from the row number, no phone; the street where it is known."""
    from xinjumin.core.crypto import Encrypter, KeyedHasher

    ids = people["id_number"].to_list()
    h, seal = KeyedHasher("id"), Encrypter()
    n = pl.int_range(pl.len())
    name = pl.concat_str(
        pl.lit(list(SURNAMES)).list.get(n % len(SURNAMES)),
        pl.lit(list(GIVEN)).list.get((n // len(SURNAMES)) % len(GIVEN)),
        pl.when((n // (len(SURNAMES) * len(GIVEN))) % 2 == 1)
        .then(pl.lit(list(GIVEN)).list.get((n // 7) % len(GIVEN))).otherwise(pl.lit("")))
    digit = pl.col("id_number").str.slice(16, 1).cast(pl.Int32)
    return people.select(
        pl.Series("id_number", [seal(v) for v in ids], dtype=pl.String),
        pl.Series("id_hash", [h(v) for v in ids], dtype=pl.String),
        name.alias("name"),
        pl.when(digit % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")).alias("gender"),
        pl.col("id_number").str.slice(6, 8).str.to_date("%Y%m%d").alias("birth_date"),
        pl.lit("").alias("phone"), pl.lit(None, pl.String).alias("phone_hash"),
        pl.col("district").alias("district_id"),
        pl.when(pl.col("street").is_in(list(streets))).then(pl.col("street"))
        .otherwise(None).alias("street_id"),
        pl.lit(None, pl.Int64).alias("unit_id"), "arrived_on", "registered_on",
        pl.lit(now).alias("created_at"), pl.lit(now).alias("updated_at"))


def residents(pop_dir: Path, *, log: Any = print) -> dict[str, Any]:
    """Fill the (empty) people_resident table with everyone `registered` in `pop_dir`."""
    from django.db import connection
    from django.utils import timezone

    from xinjumin.geo.models import Street
    from xinjumin.people.models import Resident

    if Resident.objects.exists():
        raise RuntimeError("the residents table is not empty")
    t0 = time.perf_counter()
    streets = set(Street.objects.values_list("code", flat=True))
    rows = resident_rows(registered(pop_dir), streets,
                         _db_datetime(timezone.now(), connection.vendor))
    log(f"  {rows.height:,} residents sealed and hashed in {time.perf_counter() - t0:.0f} s")
    if connection.vendor == "sqlite":  # as SQLite's date and datetime adapters store them
        rows = rows.with_columns(pl.col("birth_date", "arrived_on", "registered_on")
                                 .dt.to_string("%Y-%m-%d"))
    loader = _loader()
    try:
        loader.drop_indexes([Resident._meta.db_table])
        for lo in range(0, rows.height, SLICE):
            loader.ingest(Resident._meta.db_table, rows.slice(lo, SLICE))
        loader.restore_indexes()
    finally:
        loader.close()
    return {"residents": rows.height, "seconds": round(time.perf_counter() - t0, 1)}


def fingerprint() -> str:
    """Names the keys a built database was made with (rebuilt when they change)."""
    from xinjumin.core.crypto import current_key_id, keyed_hash

    return json.dumps({"data_key": current_key_id(),
                       "hash": keyed_hash("xjm-bench-citydb", purpose="id")[:16]})

