"""The live records straight from the database into Polars: the nightly re-score's input.

One pass over `records_sourcerecord` (op = 'upsert': the current versions; retractions are
left out) as Arrow record batches, each turned into typed columns with Polars, no Python
per record:

- `fields` (the payload JSON, codec.stored_fields) → `str.json_decode` with the type's
  struct (dates date32, money/hours decimal(12,2), ints int64, strings);
- the subject's and the linked person's ID numbers: each row's keyed hashes become 64-bit
  keys, then person codes (People); each distinct person's ciphertext is decrypted once,
  in Python (the one per-person step, ~1.5 µs); the columns `id_number` /
  `child_id_number` / `spouse_id_number` and `pid` are gathered from the decrypted values
  by code.

Columns kept from a batch are copied out of it: Polars imports Arrow without copying, and
one column left pointing into a batch keeps the whole batch (ciphertexts, payload text)
alive (measured for the city: a peak of ~18 GB instead of ~9).

The result, `Population.frames`, is what points.population.load_current returns for the
same records ({type: LazyFrame} with the columns of points.feeds.writers.arrow_schema plus
`pid`), so points.population.score_population runs on it unchanged; `Population.hashes`
pairs every ID number read with its keyed hash (= people.Resident.id_hash), so the caller
need not hash them again. ID numbers in clear exist only in memory: nothing is written.

Where the batches come from:

- a connection of its own through Arrow Database Connectivity (ADBC: the SQLite file read
  only, in a child process that sends the batches over a pipe (records.sqlite_reader
  says why); or PostgreSQL, which sends the rows with COPY), read in a helper thread
  while the batches already read are decoded (both release the GIL), when Django's
  connection is in autocommit (the nightly job): one statement, one consistent snapshot;
- Django's own connection, in pages by primary key, inside a transaction (the caller's
  uncommitted records must be seen: the test suite, a re-score called from a transaction)
  or when the SQLite database is in memory.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from points import TYPES, arrow_schema, pid
from xinjumin.core import crypto
from xinjumin.records.codec import LINKED_FIELD_OF_TYPE
from xinjumin.records.models import SourceRecord
from xinjumin.records.pipeline import read_ahead

BATCH_ROWS = 500_000
PAGE_ROWS = 50_000  # Django-connection pages
COLUMNS = ("type", "source", "record_id", "version", "subject_hash", "id_number",
           "linked_hash", "linked_id_number", "fields")
ENVELOPE = ("source", "type", "record_id", "version", "op", "id_number")
_ARROW = pa.schema([pa.field(c, pa.int64() if c == "version" else pa.string())
                    for c in COLUMNS])


@dataclass
class Population:
    """Current records of every type as LazyFrames (as points.population.load_current
    gives them), the (id_number, subject_hash) pair of every person they name (None when
    read from feed files), and `timings`: `read` (seconds, the whole read), `decrypt`
    (seconds of it spent decrypting ID numbers), `rows`, `people` (counts)."""

    frames: dict[str, pl.LazyFrame]
    hashes: pl.DataFrame | None
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------- batches


def _select(table: str) -> str:
    return (f"SELECT {', '.join(COLUMNS)} FROM {table} "  # noqa: S608 - fixed names
            "WHERE op = 'upsert'")


def _table() -> str:
    return SourceRecord._meta.db_table


def adbc_sqlite_batches(path: str, *, batch_rows: int = BATCH_ROWS
                        ) -> Iterator[pa.RecordBatch]:
    """The live records of a SQLite database file, read only, through ADBC in a child
    process (records.sqlite_reader: never the driver's copy of SQLite in this process),
    which sends them as an Arrow IPC stream over a pipe."""
    child = subprocess.Popen(
        [sys.executable, "-m", "xinjumin.records.sqlite_reader", path, str(batch_rows)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdin and child.stdout and child.stderr
    try:
        child.stdin.write(_select(_table()).encode())
        child.stdin.close()
        try:
            yield from pa.ipc.open_stream(child.stdout)
        except pa.ArrowInvalid:  # no stream at all: the child failed (said below)
            if child.wait() == 0:
                raise
        if child.wait():
            raise RuntimeError("reading the records failed: "
                               + child.stderr.read().decode(errors="replace")[-2000:])
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()


def adbc_postgres_batches(conninfo: str) -> Iterator[pa.RecordBatch]:
    """The live records of a PostgreSQL database (libpq connection string), through ADBC
    (the driver reads the result with COPY ... TO STDOUT in binary)."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    with adbc_pg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(
            **{"adbc.postgresql.batch_size_hint_bytes": str(64 * 1024 * 1024)})
        cur.execute(_select(_table()))
        yield from cur.fetch_record_batch()


def cursor_batches(*, page_rows: int = PAGE_ROWS) -> Iterator[pa.RecordBatch]:
    """The live records through Django's connection (sees its open transaction), a page
    of rows at a time by primary key."""
    sql = (f"SELECT id, {', '.join(COLUMNS)} FROM {_table()} "  # noqa: S608 - fixed names
           "WHERE op = 'upsert' AND id > %s ORDER BY id LIMIT %s")
    last = 0
    while True:
        with connection.cursor() as cur:
            cur.execute(sql, [last, page_rows])
            rows = cur.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        columns = list(zip(*rows, strict=True))[1:]
        yield pa.RecordBatch.from_arrays(
            [pa.array(v, type=_ARROW.field(i).type) for i, v in enumerate(columns)],
            schema=_ARROW)


def _postgres_conninfo() -> str:
    """libpq connection string of Django's connection (same server, database, user)."""
    from psycopg.conninfo import make_conninfo

    connection.ensure_connection()
    info = connection.connection.info
    params = {k: v for k, v in info.get_parameters().items() if v}
    if info.password:
        params["password"] = info.password
    return make_conninfo(**params)


def _own_connection() -> bool:
    """Whether a connection of our own sees what Django's sees (autocommit, a file)."""
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite":
        return not connection.is_in_memory_db()
    return connection.vendor == "postgresql"


def record_batches(*, batch_rows: int = BATCH_ROWS) -> tuple[Iterator[pa.RecordBatch], bool]:
    """(the live records as Arrow batches, whether they come from a connection of their
    own and so may be read in another thread)."""
    if _own_connection():
        if connection.vendor == "sqlite":
            path = str(connection.settings_dict["NAME"])
            return adbc_sqlite_batches(path, batch_rows=batch_rows), True
        return adbc_postgres_batches(_postgres_conninfo()), True
    return cursor_batches(), False


# ---------------------------------------------------------------------------- people


_NONCE_B64 = crypto.NONCE_BYTES * 4 // 3
assert crypto.NONCE_BYTES % 3 == 0


class Decrypter:
    """Decrypts a column of stored values (core.crypto's "kid$base64(nonce||sealed)"),
    each key's cipher set up once; the base64 is decoded by Polars."""

    def __init__(self) -> None:
        self._aead = {kid: AESGCM(key)
                      for kid, key in crypto._keys(settings.XJM_DATA_KEYS).items()}

    def __call__(self, stored: pl.Series) -> pl.Series:
        parts = stored.str.split_exact("$", 1).struct.unnest()
        kids, b64 = parts["field_0"], parts["field_1"]
        # the nonce's 12 bytes are exactly the first 16 base64 characters
        nonces = b64.str.slice(0, _NONCE_B64).str.decode("base64")
        sealed = b64.str.slice(_NONCE_B64).str.decode("base64")
        if nonces.null_count() or sealed.null_count() or (
                nonces.bin.size() != crypto.NONCE_BYTES).any():
            raise ValueError("not an encrypted value")
        out: list[bytes | None] = [None] * len(stored)
        for kid in kids.unique().to_list():
            aead = self._aead.get(kid)
            if aead is None:
                raise ImproperlyConfigured(f"no data key {kid!r} to decrypt a stored value")
            decrypt = aead.decrypt
            at = (kids == kid).arg_true()
            for i, n, c in zip(at.to_list(), nonces.gather(at).to_list(),
                               sealed.gather(at).to_list(), strict=True):
                out[i] = decrypt(n, c, None)
        return pl.Series(stored.name, out, dtype=pl.Binary).cast(pl.String)


class _Collision(Exception):
    """Two distinct keyed hashes got the same 64-bit key (read again with another seed)."""


class People:
    """Everyone the records name, found by a 64-bit key of their keyed hash (Polars'
    hash with a seed, made per row: no Python per record), each person's ID number
    decrypted once, from the first ciphertext seen.

    A batch's distinct people wait (`add`); every MERGE_EVERY batches they are merged
    with those known (`merge`): the new ones get the next codes (their rows in `table()`)
    and are decrypted, and the keys of the window's records are mapped to codes at once.
    A second key with another seed proves the first one has no collision (two hashes
    sharing a key raise _Collision: about one chance in a million for a city; the read
    starts again with other seeds)."""

    MERGE_EVERY = 8  # batches

    def __init__(self, seeds: tuple[int, int]) -> None:
        self.seeds = seeds
        self._pending: list[pl.DataFrame] = []  # (h, c, k, k2) distinct, per batch
        self._known = pl.DataFrame(schema={"k": pl.UInt64, "code": pl.UInt32})
        self._keys: list[pl.DataFrame] = []  # distinct (k, k2) of each merge
        self._people: list[pl.DataFrame] = []  # (id_number, subject_hash), code order
        self._decrypt = Decrypter()
        self.decrypt_seconds = 0.0

    def key(self, column: str, seed: int | None = None) -> pl.Expr:
        """The 64-bit key of a hash column (null where empty)."""
        c = pl.col(column)
        return pl.when(c != "").then(c.hash(self.seeds[0] if seed is None else seed))

    def add(self, pairs: pl.DataFrame) -> None:
        """Note the people of a batch (h: keyed hash, c: ciphertext, k: its key; no
        empty h). They point into their batch until the next merge."""
        self._pending.append(pairs.with_columns(k2=self.key("h", self.seeds[1])).unique(
            ["k", "k2"], keep="any"))

    @property
    def due(self) -> bool:
        return len(self._pending) >= self.MERGE_EVERY

    def merge(self) -> pl.DataFrame:
        """Merge the people waiting → (k, code) of each of their keys."""
        if not self._pending:
            return self._known.clear()
        pending = pl.concat(self._pending).unique(["k", "k2"], keep="any")
        self._pending = []
        self._keys.append(pending.select("k", "k2"))
        window = pending.unique("k", keep="any").join(self._known, on="k", how="left")
        new = window.filter(pl.col("code").is_null())
        if new.height:
            start = self._known.height
            new = new.with_columns(code=pl.int_range(start, start + new.height,
                                                     dtype=pl.UInt32))
            t = time.perf_counter()
            ids = self._decrypt(new["c"])
            self.decrypt_seconds += time.perf_counter() - t
            if ids.null_count():
                raise ValueError("a record names a person without an encrypted ID number")
            self._people.append(pl.DataFrame({  # the hash copied out of its batch
                "id_number": ids,
                "subject_hash": new.select(pl.concat_str("h", pl.lit("")))["h"]}))
            self._known = pl.concat([self._known, new.select("k", "code")], rechunk=True)
            window = window.filter(pl.col("code").is_not_null()).select("k", "code")
            return pl.concat([window, new.select("k", "code")])
        return window.select("k", "code")

    def table(self) -> pl.DataFrame:
        """(id_number, subject_hash) of everyone, the row number being the code."""
        if self._pending:
            raise RuntimeError("people still waiting: merge() first")
        if self._keys and pl.concat(self._keys).unique()["k"].is_duplicated().any():
            raise _Collision
        self._keys = []
        if not self._people:
            return pl.DataFrame(schema={"id_number": pl.String, "subject_hash": pl.String})
        return pl.concat(self._people, rechunk=True)


def _coded(parts: dict[str, list[pl.DataFrame]], window: list[tuple[str, int]],
           codes: pl.DataFrame) -> None:
    """The person keys (sid, lid) of the window's parts → codes (UInt32), one mapping
    per key column for the whole window."""
    for key in ("sid", "lid"):
        refs = [(n, i) for n, i in window if key in parts[n][i].columns]
        if not refs:
            continue
        keys = pl.concat([parts[n][i][key] for n, i in refs])
        mapped = keys.replace_strict(codes["k"], codes["code"], default=None,
                                     return_dtype=pl.UInt32)
        if mapped.null_count() != keys.null_count():
            raise RuntimeError("a person key without a code")
        offset = 0
        for n, i in refs:
            height = parts[n][i].height
            parts[n][i] = parts[n][i].with_columns(mapped.slice(offset, height).alias(key))
            offset += height


# ---------------------------------------------------------------------------- types


@dataclass(frozen=True)
class _Type:
    name: str
    schema: pl.Schema  # arrow_schema as Polars dtypes
    payload: pl.Struct  # the fields JSON: every payload column but the linked ID number
    linked: str | None
    has_subject: bool


def _types() -> dict[str, _Type]:
    out = {}
    for name, spec in TYPES.items():
        schema = pl.Schema(pl.from_arrow(arrow_schema(name).empty_table()).schema)
        linked = LINKED_FIELD_OF_TYPE.get(name)
        payload = pl.Struct({k: v for k, v in schema.items()
                             if k not in ENVELOPE and k != linked})
        out[name] = _Type(name, schema, payload, linked, spec.has_subject)
    return out


def _keyed(df: pl.DataFrame, people: People) -> pl.DataFrame:
    """Note the batch's people; replace its hash and ciphertext columns by their keys
    (sid: the subject's, lid: the linked person's; null when none). The envelope columns
    are copied: a column that kept pointing into the Arrow batch would keep the whole
    batch (its ciphertexts and payload text) in memory."""
    df = df.with_columns(sid=people.key("subject_hash"), lid=people.key("linked_hash"))
    people.add(pl.concat([
        df.select(h=pl.col("subject_hash"), c=pl.col("id_number"), k=pl.col("sid")),
        df.select(h=pl.col("linked_hash"), c=pl.col("linked_id_number"), k=pl.col("lid")),
    ]).filter(pl.col("k").is_not_null()))
    return df.select("type", pl.concat_str("source", pl.lit("")).alias("source"),
                     pl.concat_str("record_id", pl.lit("")).alias("record_id"),
                     pl.col("version").cast(pl.Int32).cast(pl.Int64), "fields", "sid", "lid")


def _decode(part: pl.DataFrame, t: _Type) -> pl.DataFrame:
    """One type's rows of a batch → source, record_id, version, the person codes it
    uses (sid, lid) and the typed payload columns."""
    codes = ["sid"] if t.has_subject else []
    if t.linked:
        codes.append("lid")
    return part.select("source", "record_id", "version", *codes,
                       pl.col("fields").str.json_decode(t.payload)).unnest("fields")


def _frame(parts: list[pl.DataFrame], t: _Type, ids: pl.Series, pids: pl.Series
           ) -> pl.LazyFrame:
    """A type's decoded parts → its LazyFrame with the columns of load_current: the ID
    numbers and pid are gathered by person code (row numbers of `ids`), lazily (only the
    columns the scoring asks for are made)."""
    if parts:
        df = pl.concat(parts, how="vertical")
    else:
        df = pl.DataFrame(schema={"source": pl.String, "record_id": pl.String,
                                  "version": pl.Int64, "sid": pl.UInt32, "lid": pl.UInt32,
                                  **t.payload.to_schema()})
    by_code = pl.lit(ids)
    columns: list[pl.Expr] = []
    for name, dtype in t.schema.items():
        if name == "type":
            expr = pl.lit(t.name, pl.String)
        elif name == "op":
            expr = pl.lit("upsert", pl.String)
        elif name == "id_number":
            expr = by_code.gather(pl.col("sid"))
        elif name == t.linked:
            expr = by_code.gather(pl.col("lid"))
        else:
            expr = pl.col(name)
        columns.append(expr.cast(dtype).alias(name))
    if t.has_subject:  # = points.population.load.pid() of id_number
        columns.append(pl.lit(pids).gather(pl.col("sid")).alias("pid"))
    return df.lazy().select(columns)


SEEDS = ((20211, 20212), (4001, 4002), (77, 78), (1009, 1013))


def read_population(batches: Iterable[pa.RecordBatch] | None = None) -> Population:
    """Every live record, decoded (see the module docstring). `batches`: Arrow batches
    with COLUMNS (default: from the database, `record_batches()`)."""
    given = None if batches is None else list(batches)
    for seeds in SEEDS:
        try:
            return _read(given, seeds)
        except _Collision:
            continue
    raise RuntimeError("keyed hashes collide under every seed")  # pragma: no cover


def _read(given: list[pa.RecordBatch] | None, seeds: tuple[int, int]) -> Population:
    t0 = time.perf_counter()
    if given is None:
        source, own = record_batches()
        batches: Iterable[pa.RecordBatch] = (
            read_ahead(source, name="records-columnar-read", join_timeout=30)
            if own else source)
    else:
        batches = given
    types = _types()
    people = People(seeds)
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in types}
    window: list[tuple[str, int]] = []  # the parts read since the last merge
    rows = 0
    for batch in batches:
        if not batch.num_rows:
            continue
        rows += batch.num_rows
        df = pl.from_arrow(batch)
        assert isinstance(df, pl.DataFrame)
        df = _keyed(df.select(pl.col(c).cast(_dtype(c)) for c in COLUMNS), people)
        for (name,), part in df.partition_by("type", as_dict=True).items():
            if name not in types:
                raise ValueError(f"stored record of unknown type {name!r}")
            parts[name].append(_decode(part, types[name]))
            window.append((name, len(parts[name]) - 1))
        if people.due:
            _coded(parts, window, people.merge())
            window = []
    _coded(parts, window, people.merge())
    table = people.table()
    ids = table["id_number"]
    pids = table.select(pid())["id_number"]
    frames = {name: _frame(parts.pop(name), t, ids, pids) for name, t in types.items()}
    return Population(frames, table, {
        "read": time.perf_counter() - t0, "decrypt": people.decrypt_seconds,
        "rows": rows, "people": table.height})


def _dtype(column: str) -> Any:
    return pl.Int64 if column == "version" else pl.String
