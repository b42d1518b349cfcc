"""A test client with the routing of the production WSGI application (xinjumin.wsgi):
API calls without the session cookie go through settings.API_MIDDLEWARE."""

from __future__ import annotations

from typing import Any

from django.test import Client
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


class RoutedClient(Client):
    def __init__(self, enforce_csrf_checks: bool = False, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks, **defaults)
        self.handler = RoutedClientHandler(enforce_csrf_checks)


def took_api_chain(response: Any) -> bool:
    return getattr(response.wsgi_request, "took_api_chain", False)
