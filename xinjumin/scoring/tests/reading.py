"""How the tests read a score: as `xjm scores show` does (the service explains and
stores it, the selector reads it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xinjumin.scoring.selectors import score_summary
from xinjumin.scoring.services import score_explain


def score_for(*, id_number: str, as_of: dt.date | None = None, district: str | None = None
              ) -> dict[str, Any]:
    return score_summary(explained=score_explain(id_number=id_number, as_of=as_of),
                         district=district)
