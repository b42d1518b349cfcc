"""Measure kinds of ``points.rules.model`` evaluated for one person (see ``registry``)."""
