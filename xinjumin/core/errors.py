"""The one error format of the platform: {code, message (Chinese), message_en, fields}."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DomainError(Exception):
    """Raised by services for input a person must fix; views and the API render it."""

    code: str
    message: str
    message_en: str
    fields: dict[str, str] = field(default_factory=dict)
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "fields": self.fields,
        }


class NotFound(DomainError):
    def __init__(self, what_zh: str = "对象", what_en: str = "object") -> None:
        super().__init__("not_found", f"{what_zh}不存在", f"{what_en} not found", {}, 404)
