"""Logs never carry an ID number or a phone number in clear."""

from __future__ import annotations

import logging
import re

from points import mask_id_number, mask_phone

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
