"""Small helpers shared by the two presentation apps (portal and back office), which do
not import each other.

Domain errors come from services as {code, message, message_en, fields}; field messages are
written "中文 / English". The views show the half that matches the page language.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import get_language

from xinjumin.core.errors import DomainError


def is_english() -> bool:
    return (get_language() or "").startswith("en")


def bilingual(text: str) -> str:
    """Pick one language from a "中文 / English" message (no separator: the text as is)."""
    if " / " not in text:
        return text
    zh, en = text.split(" / ", 1)
    return en.strip() if is_english() else zh.strip()


def error_message(error: DomainError) -> str:
    """The error's message in the page language."""
    return error.message_en if is_english() else error.message


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's field-level errors on the form's fields; the rest is non-field.

    When a field error is attached, the general message is not repeated above the form.
    """
    attached = False
    for name, text in (error.fields or {}).items():
        if name in form.fields:
            form.add_error(name, bilingual(text))
            attached = True
        else:
            form.add_error(None, bilingual(text))
    if not attached:
        form.add_error(None, error_message(error))


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
