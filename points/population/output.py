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
very integers, viewed as Arrow decimal64(12, 2) (no arithmetic, no copy). On the bench's
city (4.3 M adults × 33 point columns) this replaces ``render``'s strings, which took
64 s on the shared machine where the view takes none and Polars' CSV writer formats the
decimals itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

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


def score_table(scores: pl.DataFrame, rule_set: RuleSet) -> pa.Table:
    """``score_population``'s result → the table (see the module docstring) as Arrow."""
    adults = scores.filter(~pl.col("is_minor").fill_null(False))
    if not adults.get_column("id_number").is_sorted():
        adults = adults.sort("id_number")
    names = set(adults.columns)
    columns = table_columns(rule_set)
    frame = adults.select(
        [pl.col(c) if c in names else pl.lit(None, pl.Int64).alias(c) for c in columns]
    ).rechunk()
    table = frame.to_arrow()
    points = [c for c in columns if c not in ("id_number", "district", "frozen",
                                              "frozen_until")]
    arrays = [table.column(c).cast(pa.int64()).combine_chunks().view(POINTS)
              if c in points else table.column(c) for c in columns]
    return pa.table(arrays, names=columns)


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Write the table as one Parquet file (zstd)."""
    pq.write_table(table, path, compression="zstd")


def write_csv(table: pa.Table, dest: str | Path | TextIO) -> None:
    """Write the table as CSV to a file path, or piece by piece to a text stream."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if isinstance(dest, (str, Path)):
        frame.write_csv(dest, line_terminator="\n")
        return
    for start in range(0, max(frame.height, 1), CSV_PIECE):
        piece = frame.slice(start, CSV_PIECE)
        dest.write(piece.write_csv(include_header=start == 0, line_terminator="\n"))
