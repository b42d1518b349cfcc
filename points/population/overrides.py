"""Overrides (domain §9.1) for a whole population: the records set aside at D, left out.

A ``record_override`` of effect ``disregard`` in force at D (from ≤ D, and D ≤ until when
there is one) makes its target (target_source, target_record_id) as if absent at D; a
retracted override is not among the current records, so it has no effect. Mirrors
``points.inputs.RecordIndex.disregarded``: applied to the frames before any measure reads
them (``points.population.prepare.prepare_inputs``), so every quantity, who is scored and
the rent facts see the same records as the one-person evaluator.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from points.feeds.schema import TYPES
from points.population.dates import in_force
from points.population.load import Frames

OVERRIDE = "record_override"
KEY = ["source", "record_id"]


def disregarded(frames: Frames, as_of: dt.date) -> pl.DataFrame:
    """The keys (source, record_id) that an override in force at D sets aside (a small
    frame: one row per key)."""
    lf = frames.get(OVERRIDE)
    if lf is None:
        return pl.DataFrame(schema={"source": pl.String, "record_id": pl.String})
    return (lf.filter((pl.col("effect") == "disregard")
                      & in_force(pl.col("from"), pl.col("until"), as_of))
            .select(source=pl.col("target_source"), record_id=pl.col("target_record_id"))
            .unique().collect())


def without_disregarded(frames: Frames, as_of: dt.date) -> Frames:
    """The frames without the records disregarded at D (the same frames when there are
    none: no extra work without overrides). A type is joined only with the keys of the
    sources that may send it."""
    gone = disregarded(frames, as_of)
    if gone.height == 0:
        return frames
    out: Frames = {}
    for name, lf in frames.items():
        spec = TYPES.get(name)
        keys = gone if spec is None else gone.filter(pl.col("source").is_in(spec.sources))
        if name == OVERRIDE or keys.height == 0:
            out[name] = lf
            continue
        missing = [c for c in KEY if c not in lf.collect_schema().names()]
        if missing:
            raise ValueError(f"the {name} frame has no {', '.join(missing)} column: overrides "
                             "need the record keys (do not drop them when loading)")
        # arrival order kept: ties between records are broken by it downstream
        out[name] = lf.join(keys.lazy(), on=KEY, how="anti", maintain_order="left")
    return out
