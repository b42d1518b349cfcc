"""Argument types shared by the management commands."""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(value: str) -> dt.date:
    """A YYYY-MM-DD argument; anything else is a usage error with a bilingual reason."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应为 YYYY-MM-DD: {value!r} / a date is YYYY-MM-DD") from None
