"""Measure kinds of ``points.rules.model`` evaluated for one person.

``points.measures.base.REGISTRY`` maps each kind to its evaluator; ``registry()`` returns
it with every kind registered (city and district modules imported).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from points.measures.base import MeasureFn


def registry() -> dict[str, MeasureFn]:
    """Kind → evaluator, for every kind of ``points.rules.model.MEASURE_KINDS``."""
    from points.measures import city, district  # noqa: F401  (registers the kinds)
    from points.measures.base import REGISTRY

    return REGISTRY
