"""Browser fixtures: Debian's Chromium through Playwright's sync API, against pytest-django's
live_server on a transactional database.

The flush at the end of a transactional test empties the append-only audit table through
the project's own `flush` command (xinjumin/audit/management/commands/flush.py lifts and
restores its triggers); the root conftest.py makes it a serialized rollback, so the
reference data that migrations created are restored for the next test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.browser.chromium import CHROMIUM_ARGS, require_chromium
from tests.personas import World, build_world


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; the test fails with the install command when it is missing."""
    return require_chromium()


@pytest.fixture
def browser_world(transactional_db, monkeypatch) -> Iterator[World]:  # type: ignore[no-untyped-def]
    # Playwright's sync API runs an event loop in this thread; the test still reads the
    # database synchronously (the SMS outbox), which Django otherwise refuses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world()
    yield world


@contextmanager
def local_page(chromium: str, base_url: str, **context_options):  # type: ignore[no-untyped-def]
    """A Chromium page that may reach nothing but the live server (the requests it tried
    elsewhere are in `page.outside_requests`)."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(**context_options)

        def only_local(route):  # type: ignore[no-untyped-def]
            if route.request.url.startswith(base_url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.outside_requests = outside  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def phone_page(chromium, browser_world, live_server):  # type: ignore[no-untyped-def]
    """A 375 px wide Chromium page that may reach nothing but the live server."""
    with local_page(chromium, live_server.url, viewport={"width": 375, "height": 812},
                    device_scale_factor=2, locale="zh-CN", is_mobile=True,
                    has_touch=True) as page:
        yield page


@pytest.fixture
def desk_page(chromium, browser_world, live_server):  # type: ignore[no-untyped-def]
    """A 1366x900 desktop Chromium page (a counter's screen), live server only."""
    with local_page(chromium, live_server.url, viewport={"width": 1366, "height": 900},
                    locale="zh-CN") as page:
        yield page
