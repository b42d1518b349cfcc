"""Suite-wide test configuration.

The `client` fixture is the suite's one test client, tests.client.Client: requests are
routed as the production WSGI application routes them (API calls without the session take
settings.API_MIDDLEWARE). `world` is the suite's one set of personas (tests/personas.py).

Every transactional test (transactional_db, live_server) runs with serialized rollback:
the flush after it skips Django's post_migrate step and the data that migrations created
(districts and streets, the default indicator system, content types) are restored before
the next one. Without this, the first transactional test without it re-creates content
types under new ids and every later serialized restore collides with them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import nullcontext
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from tests.client import Client
    from tests.personas import World

# In CI property tests are derandomized and have no deadline, so a submission lands or not
# on its own merits, never on a slow or unlucky draw; local runs stay random and keep
# finding new cases.
settings.register_profile("ci", derandomize=True, deadline=None, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(autouse=True)
def _audit_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test its own folder for the audit chain's checkpoints (xinjumin.audit): the
    database is rolled back after every test, a checkpoint file kept across tests would
    name heads the next test's chain never had. Created only when a test writes one."""
    from django.conf import settings as django_settings
    from django.test import override_settings

    global _checkpoint_dirs
    _checkpoint_dirs += 1
    folder = tmp_path_factory.getbasetemp() / "audit-checkpoints" / str(_checkpoint_dirs)
    with override_settings(XJM_AUDIT_CHECKPOINT_DIR=folder) if django_settings.configured \
            else nullcontext():
        yield


_checkpoint_dirs = 0


@pytest.fixture
def client() -> Client:
    """pytest-django's `client`, with production's routing (tests.client)."""
    from tests.client import Client  # Django is set up by now; points' tests never need it

    return Client()


@pytest.fixture
def world(db: None) -> World:
    """The fixed personas of tests/personas.py, made through the services."""
    from tests.personas import build_world

    return build_world()
