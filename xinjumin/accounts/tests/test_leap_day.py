import datetime as dt

import pytest

from points.identifiers import age_in_full_years
from xinjumin.accounts.access import minor_birth_cutoff


@pytest.mark.parametrize("today", [
    dt.date(2026, 2, 28), dt.date(2028, 2, 28), dt.date(2028, 2, 29), dt.date(2028, 3, 1),
    dt.date(2026, 12, 31), dt.date(2027, 3, 31)])
def test_minor_cutoff_agrees_with_the_age_rule(today):
    cutoff = minor_birth_cutoff(today)
    assert age_in_full_years(cutoff, today) >= 18
    assert age_in_full_years(cutoff + dt.timedelta(days=1), today) < 18
