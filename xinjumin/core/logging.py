"""Logs never carry an ID number or a phone number in clear: the application's logs (the
filter below, on every handler of settings.LOGGING) and the web server's access log
(xinjumin.core.access_log, gunicorn's logger class) pass through the same masking."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

from points import mask_id_number, mask_phone

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# a mobile number, also with the country code in front (+86, 0086, 86)
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[ -]?)?(1[3-9]\d{9})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)


def mask_url_text(text: str) -> str:
    """`text` masked, also where it is percent-encoded (a request line, a query string, a
    Referer: "+86 138…" arrives as "%2B86+138…"): a text with nothing to mask is kept as
    it is; one with something is given decoded, masked."""
    masked = mask_text(text)
    decoded = unquote_plus(masked)
    if decoded == masked:
        return masked
    masked_decoded = mask_text(decoded)
    return masked if masked_decoded == decoded else masked_decoded


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
