from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from xinjumin.audit.context import reset_actor, set_actor


class AuditContextMiddleware:
    """Makes request.user the actor of audit events written while serving the request.

    request.user stays lazy: it is only loaded when an event is written.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_actor(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
