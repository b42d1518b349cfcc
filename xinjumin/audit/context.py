"""Who is acting, for audit events written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)


def current_actor() -> Any:
    return _actor.get()


def set_actor(actor: Any):  # type: ignore[no-untyped-def]
    return _actor.set(actor)


def reset_actor(token) -> None:  # type: ignore[no-untyped-def]
    _actor.reset(token)
