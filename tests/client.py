"""The suite's test client: Django's, with the routing of the production WSGI application.

`xjm serve` runs xinjumin.wsgi.XjmWSGIHandler (core.middleware.ApiChainMixin): API calls
without the session cookie go through settings.API_MIDDLEWARE, everything else through
settings.MIDDLEWARE. This client's handler is the test client's with the same mixin, so
every test request takes the chain it would take in production. The root conftest.py makes
it pytest-django's `client` fixture; a module that builds its own clients imports `Client`
from here (ruff refuses django.test.Client, TID251). Requests that took the API chain are
marked, for the tests of the routing itself (took_api_chain).
"""

from __future__ import annotations

from typing import Any

from django import test
from django.test.client import ClientHandler

from xinjumin.core.middleware import ApiChainMixin


class RoutedClientHandler(ApiChainMixin, ClientHandler):
    """The test client's handler with the routing of the production WSGI application;
    marks the requests that went through the API chain."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        assert self._api_chain is not None
        api_get_response = self._api_chain.get_response

        def marking(request: Any) -> Any:
            request.took_api_chain = True
            return api_get_response(request)

        self._api_chain.get_response = marking  # type: ignore[method-assign]


class Client(test.Client):  # noqa: TID251 (the one place that builds on it)
    """django.test.Client whose requests are routed as xinjumin.wsgi routes them."""

    def __init__(self, enforce_csrf_checks: bool = False, *args: Any, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks, *args, **defaults)
        self.handler = RoutedClientHandler(enforce_csrf_checks)


def took_api_chain(response: Any) -> bool:
    """Whether the request behind `response` went through settings.API_MIDDLEWARE."""
    return getattr(response.wsgi_request, "took_api_chain", False)
