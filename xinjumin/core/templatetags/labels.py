"""`{{ value|tr }}`: a `labels.Label` (Chinese, English) in the page's language.

Loaded in every template (settings TEMPLATES builtins), so the portal and the back office
render the same typed views (scoring.selectors) with the same words.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def tr(value: Any) -> str:
    """The label's text in the active language (its Chinese text when it has no English);
    anything else as it is."""
    in_ = getattr(value, "in_", None)
    if callable(in_):
        return str(in_(get_language() or "zh-hans"))
    return "" if value is None else str(value)
