"""The score table of ``xjm points score`` for a whole population, written as CSV or Parquet
straight from the Polars frame (no Python loop over rows).

One row per adult (minors have no own score), sorted by ID number. Columns
(``table_columns``): ``id_number, district, common, score, frozen, frozen_until``, then one
per city item of the rule set, then one per district item key of any district (named by
``district_item_column``); a district item the row's district does not define is empty.

- CSV: points as exact text with two places ("82.25", "-30.00"), ``frozen`` "true" or
  "false", ``frozen_until`` YYYY-MM-DD, empty for none; UTF-8, "\\n" line ends.
- Parquet: the same columns; points as DECIMAL(12, 2) (exact: the integer hundredths
  themselves, read as decimals by Polars, PyArrow, Spark or DuckDB), ``frozen`` boolean,
  ``frozen_until`` date, ``id_number`` and ``district`` strings, null for empty.

Points are Int64 hundredths in ``score_population``'s result; the decimal columns are those
very integers, viewed as Arrow decimal64(12, 2) (no arithmetic), then a Polars frame. On
the bench's city (4.3 M adults × 33 point columns) this replaces ``render``'s strings,
which took 64 s on the shared machine where the view takes none and Polars' CSV writer
formats the decimals itself. Both files are written by Polars, whose Parquet writer
encodes the columns in parallel: 1.7 s on the bench's city where PyArrow's
``write_table`` took 6.4 s (the decimals are stored as INT64, as Polars and Spark do).
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import polars as pl
import pyarrow as pa

from points.population.score import district_item_column
from points.rules.model import RuleSet

HEAD = ["id_number", "district", "common", "score", "frozen", "frozen_until"]
POINTS = pa.decimal64(12, 2)
#: Rows per piece when the CSV goes to a stream (a file path is written by Polars at once).
CSV_PIECE = 200_000


def table_columns(rule_set: RuleSet) -> list[str]:
    """The table's columns for ``rule_set`` (the CSV header)."""
    return [*HEAD, *(i.key for i in rule_set.items),
            *(district_item_column(k, rule_set) for k in rule_set.district_item_keys)]


def score_table(scores: pl.DataFrame, rule_set: RuleSet) -> pl.DataFrame:
    """``score_population``'s result → the table (see the module docstring)."""
    names = set(scores.columns)
    columns = table_columns(rule_set)
    adults = scores.select(
        [pl.col(c) if c in names else pl.lit(None, pl.Int64).alias(c) for c in columns]
    ).filter(~scores.get_column("is_minor").fill_null(False))
    del scores  # the caller's last reference when it passes the frame on (cli)
    if not adults.get_column("id_number").is_sorted():
        adults = adults.sort("id_number")
    table = adults.to_arrow()
    del adults
    points = [c for c in columns if c not in ("id_number", "district", "frozen",
                                              "frozen_until")]
    arrays = [_decimal(table.column(c)) if c in points else table.column(c)
              for c in columns]
    out = pl.from_arrow(pa.table(arrays, names=columns))
    assert isinstance(out, pl.DataFrame)
    return out


def _decimal(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Int64 hundredths → decimal64(12, 2), chunk by chunk, each a view of its buffers (no
    copy: ``combine_chunks``, even of one chunk, or a ``rechunk`` first, cost 0.3–0.4 s on
    the bench's city's table)."""
    chunks = column.cast(pa.int64()).chunks
    return pa.chunked_array([c.view(POINTS) for c in chunks], type=POINTS)


def write_parquet(frame: pl.DataFrame, path: str | Path) -> None:
    """Write the table as one Parquet file (zstd)."""
    frame.write_parquet(path, compression="zstd")


def write_csv(frame: pl.DataFrame, dest: str | Path | TextIO) -> None:
    """Write the table as CSV to a file path, or piece by piece to a text stream."""
    if isinstance(dest, (str, Path)):
        frame.write_csv(dest, line_terminator="\n")
        return
    for start in range(0, max(frame.height, 1), CSV_PIECE):
        piece = frame.slice(start, CSV_PIECE)
        dest.write(piece.write_csv(include_header=start == 0, line_terminator="\n"))
