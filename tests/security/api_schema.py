"""The API's own OpenAPI document, for the tests that go over every operation.

- `operations()`: (method, path below /api/v1) of every operation, from the live document
  (the authorization matrix, tests/security/test_api_matrix.py);
- `schema`: the document loaded by schemathesis through the WSGI app (no network, no
  database needed to load it), `CHECKS` and the `wsgi_in_test_transaction` fixture: the
  setup of the schemathesis tests (tests/api/test_openapi_schemathesis.py, one pass over
  every operation; tests/security/test_api_fuzz.py, ≥ 1,000 requests per persona).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xinjumin.wsgi import application

PREFIX = "/api/v1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
METHODS = ("get", "put", "post", "delete", "patch")


class Operation(NamedTuple):
    method: str
    path: str  # below PREFIX, e.g. "/residents/{resident_id}"
    schemes: frozenset[str]  # the security schemes it takes (empty: public)


def operations() -> list[Operation]:
    """Every operation of the API's OpenAPI document, in its order."""
    from xinjumin.api.api import api

    paths = api.get_openapi_schema(path_prefix=PREFIX + "/")["paths"]
    return [Operation(method, path.removeprefix(PREFIX),
                      frozenset(k for alt in op.get("security", ()) for k in alt))
            for path, item in paths.items() for method, op in item.items()
            if method in METHODS]


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """The raw WSGI handler closes "old" connections around each request, which on
    PostgreSQL closes the test's transaction; Django's test client disconnects the same
    signal handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection time through the WSGI app (the schema needs no database).
schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", application)
