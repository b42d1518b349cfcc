"""Population scoring with Polars: every resident at once, exact, columnar.

    frames = load_current("feeds/")                       # {type: LazyFrame}, versions applied
    inputs = prepare_inputs(frames, as_of, rules)         # one row per person, quantities
    scores = score_population(inputs, as_of, rules)       # Int64 hundredths per item/score
    render(scores)                                        # "82.25" strings (or Decimal)

Same rules as the one-person evaluator (``points.evaluate``), proven equal by the shared
scenario files and a property test.
"""

from points.population.load import frames_from_records, load_current
from points.population.prepare import prepare_inputs
from points.population.score import (
    district_item_column,
    points_columns,
    render,
    score_plan,
    score_population,
)

__all__ = ["district_item_column", "frames_from_records", "load_current", "points_columns",
           "prepare_inputs", "render", "score_plan", "score_population"]
