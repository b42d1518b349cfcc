"""The hot path of bulk loads: encryption, keyed digests and multi-row inserts.

Uses xinjumin.core.crypto's Encrypter and KeyedHasher (the values EncryptedTextField
decrypts, the hashes Resident.id_hash holds) with the cipher and the MAC key set up once
per import instead of once per value. Inserts go through COPY on PostgreSQL and
executemany on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

from xinjumin.core import crypto


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


def insert_rows(model: type[models.Model], columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows of raw column values (already encrypted / serialised)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608
                            rows)


_HISTORY = ("source", "record_id", "type", "version", "op", "linked_id_number", "fields",
            "digest", "batch_id", "received_at")


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
    cols = ", ".join(qn(c) for c in _HISTORY)
    current = qn(SourceRecord._meta.db_table)
    where, params = _pk_filter(pks)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {qn(RecordVersion._meta.db_table)} ({cols}) "  # noqa: S608
            f"SELECT {cols} FROM {current} WHERE {where} ORDER BY id", params)
        cur.execute(f"DELETE FROM {current} WHERE {where}", params)  # noqa: S608


def select_current(keys: set[tuple[str, str]],
                   columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """The SourceRecord rows (raw column values) of these (source, record_id) keys, in one
    query (one array parameter on PostgreSQL instead of thousands of placeholders)."""
    from xinjumin.records.models import SourceRecord

    if not keys:
        return []
    ids = sorted({k[1] for k in keys})
    sources = sorted({k[0] for k in keys})
    qn = connection.ops.quote_name
    cols = ", ".join(qn("id" if c == "pk" else c) for c in columns)
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
        return [r for r in cur.fetchall() if (r[1], r[2]) in keys]
