"""A child process that reads one query of a SQLite file through ADBC and writes the
result to standard output as an Arrow IPC stream (records.columnar.adbc_sqlite_batches).

Why a process of its own: the ADBC driver carries its own copy of SQLite, and two copies
of SQLite in one process break each other's locks (POSIX locks belong to the process;
sqlite.org/howtocorrupt.html §2.2.1). Opening the file, the driver's copy took itself for
the database's first connection and truncated the WAL index that Django's sqlite3
connection had mapped: the nightly died of SIGBUS in its store phase
(records/tests/test_columnar.py reproduces it with the driver in the same process).
In a process of its own, the driver is one more reader like any other.

    python -m xinjumin.records.sqlite_reader PATH BATCH_ROWS < SQL

Imports neither Django nor the platform: it starts in a fraction of a second.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import pyarrow as pa

    path, batch_rows = argv[0], int(argv[1])
    sql = sys.stdin.read()
    with adbc_sqlite.connect(f"file:{path}?mode=ro") as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cur.execute(sql)
        reader = cur.fetch_record_batch()
        with pa.ipc.new_stream(pa.output_stream(sys.stdout.buffer), reader.schema) as out:
            for batch in reader:
                out.write_batch(batch)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
