"""The session engine (settings.SESSION_ENGINE): Django's database sessions, with the
account's id in an indexed column (UserSession.user_id, as Django's documentation extends
the database engine), so accounts.services can end every session of one account."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> Any:
        from xinjumin.accounts.models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance: Any = super().create_model_instance(data)
        try:
            instance.user_id = int(data["_auth_user_id"])
        except (KeyError, TypeError, ValueError):
            instance.user_id = None
        return instance
