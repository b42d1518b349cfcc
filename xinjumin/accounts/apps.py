from typing import Any

from django.apps import AppConfig


def _on_user_locked_out(sender: Any, request: Any = None, username: str | None = None,
                        ip_address: str | None = None, **kwargs: Any) -> None:
    from xinjumin.accounts.services import staff_lockout_end_sessions

    staff_lockout_end_sessions(username=username or "", address=ip_address or "")


class AccountsConfig(AppConfig):
    name = "xinjumin.accounts"
    label = "accounts"
    verbose_name = "账户与角色 Accounts"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        # A lockout ends the account's sessions and API tokens (django-axes fires this on
        # the failure that reaches the limit and on every failure while locked out).
        user_locked_out.connect(_on_user_locked_out, dispatch_uid="xjm_lockout_end_sessions")
