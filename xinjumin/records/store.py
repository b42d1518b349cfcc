"""The hot path of bulk loads: encryption, keyed digests and multi-row inserts.

Uses xinjumin.core.crypto's Encrypter and KeyedHasher (the values EncryptedTextField
decrypts, the hashes Resident.id_hash holds) with the cipher and the MAC key set up once
per import instead of once per value. Inserts go through COPY on PostgreSQL and
executemany on SQLite. The rows read and written are named tuples whose fields are the
table's columns (StoredVersion, CurrentRow, VersionRow).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import connection, models

from xinjumin.core import crypto


class StoredVersion(NamedTuple):
    """What an import reads of a key's stored current version (SourceRecord, raw column
    values): enough to decide an incoming version against it, move it to the history and
    know whom it named. Field names are the columns (`pk` = the row id)."""

    pk: int
    source: str
    record_id: str
    type: str
    version: int
    op: str
    subject_hash: str
    linked_hash: str
    digest: str
    first_received_at: Any  # as the cursor gives it


class CurrentRow(NamedTuple):
    """One SourceRecord row as an import inserts it (raw column values: ciphertexts, the
    payload's JSON text, datetimes as the backend stores them). The first twelve fields
    are pipeline.Prepared's, in its order."""

    source: str
    record_id: str
    type: str
    version: int
    op: str
    subject_hash: str
    id_number: str  # encrypted
    linked_hash: str
    linked_id_number: str  # encrypted, or ""
    complex_id: str
    fields: str  # payload JSON
    digest: str
    batch_id: int
    received_at: Any
    first_received_at: Any


class VersionRow(NamedTuple):
    """One RecordVersion row (a superseded version) as an import inserts it."""

    source: str
    record_id: str
    type: str
    version: int
    op: str
    linked_id_number: str  # encrypted, or ""
    fields: str  # payload JSON
    digest: str
    batch_id: int
    received_at: Any


def version_row(current: CurrentRow) -> VersionRow:
    """A current row as the history keeps it once a later version replaces it."""
    return VersionRow(current.source, current.record_id, current.type, current.version,
                      current.op, current.linked_id_number, current.fields, current.digest,
                      current.batch_id, current.received_at)


class Sealer:
    """Encrypts values with the current data key (one AESGCM object).

    The ciphertext of a value is reused (the same person's records, within an import and
    across the imports of one process while the key stays the same; see
    pipeline.preparer):
    it reveals no more than the keyed hash stored beside it, and saves an encryption
    per record. Each distinct value gets its own random nonce.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self._encrypt = crypto.Encrypter()
        self._cache: dict[str, str] = {}
        self._limit = limit

    def __call__(self, value: str | None) -> str:
        if not value:
            return ""
        sealed = self._cache.get(value)
        if sealed is None:
            sealed = self._encrypt(value)
            if len(self._cache) >= self._limit:
                self._cache.clear()
            self._cache[value] = sealed
        return sealed


def id_hasher() -> crypto.KeyedHasher:
    """people.selectors.id_number_hash, with the MAC set up once."""
    return crypto.KeyedHasher("id")


@contextmanager
def tuned_connection() -> Iterator[None]:
    """SQLite, for the length of a bulk load: a 64 MB page cache (the indexes) and a WAL
    checkpoint every 64 MB instead of every 4 MB (each checkpoint copies and syncs the
    pages the last commits wrote; the indexes are rewritten in many of them). Restored
    afterwards: the connection may serve other work (CONN_MAX_AGE)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        cache = int(cur.fetchone()[0])
        cur.execute("PRAGMA wal_autocheckpoint")
        checkpoint = int(cur.fetchone()[0])
        cur.execute("PRAGMA cache_size = -65536")
        cur.execute("PRAGMA wal_autocheckpoint = 16384")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {cache}")
            cur.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")


def db_datetime(value: Any) -> Any:
    """A datetime as the backend stores it (a string on SQLite, itself on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def insert_rows(model: type[models.Model],
                rows: Sequence[CurrentRow] | Sequence[VersionRow]) -> None:
    """Insert rows of raw column values (already encrypted / serialised); the columns are
    the row type's field names."""
    if not rows:
        return
    columns = type(rows[0])._fields
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # psycopg's own cursor: its errors are Django's (IntegrityError on a duplicate
            # key, which a chunk's retry catches) only through the wrapper.
            with connection.wrap_database_errors, \
                    cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # sqlite3 binds a tuple subclass through the generic sequence protocol: plain
            # tuples made here cost 0.26 µs a row, binding the named ones 1.6 µs more.
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608
                            map(tuple, rows))


def _pk_filter(pks: Sequence[int]) -> tuple[str, list[Any]]:
    """`id IN (pks)` with one parameter (an array on PostgreSQL, JSON on SQLite)."""
    if connection.vendor == "postgresql":
        return "id = ANY(%s)", [list(pks)]
    return "id IN (SELECT value FROM json_each(%s))", [json.dumps(list(pks))]


def supersede_current(pks: Sequence[int]) -> None:
    """Move these SourceRecord rows (current versions being replaced) to the history,
    server-side: append them to RecordVersion, then delete them."""
    from xinjumin.records.models import RecordVersion, SourceRecord

    if not pks:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in VersionRow._fields)
    current = qn(SourceRecord._meta.db_table)
    where, params = _pk_filter(pks)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {qn(RecordVersion._meta.db_table)} ({cols}) "  # noqa: S608
            f"SELECT {cols} FROM {current} WHERE {where} ORDER BY id", params)
        cur.execute(f"DELETE FROM {current} WHERE {where}", params)  # noqa: S608


def select_current(keys: set[tuple[str, str]]) -> dict[tuple[str, str], StoredVersion]:
    """The stored current versions of these (source, record_id) keys, by key, in one
    query (one array parameter on PostgreSQL instead of thousands of placeholders)."""
    from xinjumin.records.models import SourceRecord

    if not keys:
        return {}
    ids = sorted({k[1] for k in keys})
    sources = sorted({k[0] for k in keys})
    qn = connection.ops.quote_name
    cols = ", ".join(qn("id" if c == "pk" else c) for c in StoredVersion._fields)
    table = qn(SourceRecord._meta.db_table)
    if connection.vendor == "postgresql":
        sql = (f"SELECT {cols} FROM {table} "  # noqa: S608
               "WHERE record_id = ANY(%s) AND source = ANY(%s)")
        params: list[Any] = [ids, sources]
    else:  # SQLite: one JSON array parameter instead of thousands of placeholders
        sql = (f"SELECT {cols} FROM {table} WHERE record_id IN "  # noqa: S608
               "(SELECT value FROM json_each(%s)) AND source IN "
               "(SELECT value FROM json_each(%s))")
        params = [json.dumps(ids), json.dumps(sources)]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        found = (StoredVersion._make(r) for r in cur.fetchall())
        return {key: v for v in found if (key := (v.source, v.record_id)) in keys}
