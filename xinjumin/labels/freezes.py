"""Why a resident's points cannot be used: the freeze, in words, with its dates."""

from __future__ import annotations

import datetime as dt

from points import Item
from xinjumin.labels.base import Label, lower_first
from xinjumin.labels.items import find_item_en, name_for_key


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def freeze_reason(item: Item | None, item_key: str, start: object, until: object | None,
                  lang: str) -> str:
    """Why the points cannot be used, and from when to when (no record ids: those are in
    the records list): 因行政拘留记录, 自 2025-02-01 起至 2025-07-31 积分冻结, 期间不能使用积分
    申请服务."""
    if item is not None:
        name = Label(item.name_zh, lower_first(name_for_key(item_key, item.name_zh, "en",
                                                            item.name_en)))
    else:  # the rule set no longer has the item: its English name by key, if known
        name = Label("扣分", lower_first(find_item_en(item_key) or "deduction"))
    if until:
        when = Label(f"自 {_iso(start)} 起至 {_iso(until)} ",
                     f"from {_iso(start)} to {_iso(until)}")
    else:
        when = Label(f"自 {_iso(start)} 起", f"from {_iso(start)}")
    return Label(f"因{name.zh}记录, {when.zh}积分冻结, 期间不能使用积分申请服务",
                 f"Because of a record of {name.en}, your points are frozen {when.en}; while "
                 f"frozen they cannot be used to apply for services").in_(lang)
