"""A child's score for services: the highest score among the child's guardians (§7.1).

Guardians need not be registered residents themselves, so they are scored as ``people``.
Mirrors ``points.evaluate.highest_guardian_score`` (guardianship since ≤ D and not
disregarded by an override at D; adult guardians only; the best score in the district of
the service).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from points.population.load import Frames, empty_frame
from points.population.overrides import without_disregarded
from points.population.score import score_population
from points.rules.model import DISTRICT_CODES, RuleSet

ID = "id_number"


def guardian_scores(frames: Frames, as_of: dt.date, rule_set: RuleSet,
                    district: str | None = None) -> pl.DataFrame:
    """Per child with a guardian at D: ``guardian_score`` (hundredths) in ``district``, or
    else in the child's own district (its latest registration); null if no adult guardian."""
    frames = without_disregarded(frames, as_of)
    g = frames.get("guardianship")
    pairs = (empty_frame("guardianship") if g is None else g).filter(
        pl.col("since").is_null() | (pl.col("since") <= pl.lit(as_of))).select(
        child=pl.col("child_id_number"), guardian=pl.col(ID)).collect()
    if pairs.height == 0:
        return pl.DataFrame(schema={ID: pl.String, "guardian_score": pl.Int64})
    people = set(pairs["guardian"]) | set(pairs["child"])
    scores = score_population(frames, as_of, rule_set, people=people)
    home = scores.select(pl.col(ID).alias("child"), child_district=pl.col("district"))
    where = pl.lit(district) if district else pl.col("child_district")
    per = (pairs.join(home, on="child", how="left")
           .join(scores.rename({ID: "guardian"}), on="guardian", how="left")
           .with_columns(s=pl.coalesce([pl.when(where == d).then(pl.col(f"score_{d}"))
                                        for d in DISTRICT_CODES])))
    return per.group_by("child").agg(guardian_score=pl.col("s").max()).rename({"child": ID})
