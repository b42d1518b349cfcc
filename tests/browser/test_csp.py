"""In Chromium: the Content-Security-Policy holds on every kind of page and breaks none.

The resident portal (login by SMS code with htmx, 我的积分), the back office (login, the
resident search through htmx, a resident's page), the Django admin (its login page, its
index, a list and a record) and the API documentation (Swagger UI from local files) load
and work, each response carries the policy, and the browser reports no violation: neither
in the console nor as a `securitypolicyviolation` event. The detector itself is proved on
each run by an inline script the policy must refuse.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.chromium import needs_chromium
from tests.browser.conftest import local_page
from tests.browser.steps import resident_login, staff_login
from tests.personas import ADULT_YZ_ID

pytestmark = [pytest.mark.browser, needs_chromium]

# Registered before any script of the page runs (Playwright's init scripts are not
# subject to the page's policy).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


class Watch:
    """The CSP violations a page reported, console and events, and the pages without the
    policy."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.unprotected: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document" and response.status < 300:
            policy = response.headers.get("content-security-policy", "")
            if "default-src 'self'" not in policy or "unsafe" in policy:
                self.unprotected.append(f"{response.url}: {policy!r}")

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__csp || []")
        return [*self.console, *events]

    def assert_clean(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        assert not self.violations(), (where, self.violations())
        assert not self.unprotected, (where, self.unprotected)


def test_the_policy_refuses_an_inline_script_and_the_watch_sees_it(desk_page, live_server):
    page = desk_page
    watch = Watch(page)
    page.goto(f"{live_server.url}/login/")
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in watch.violations()), watch.violations()


def test_portal_back_office_admin_and_api_docs_work_under_the_policy(
        chromium, browser_world, live_server, settings):
    base = live_server.url
    settings.XJM_API_DOCS_TRY_IT = True
    with local_page(chromium, base, viewport={"width": 1366, "height": 900},
                    locale="zh-CN") as page:
        watch = Watch(page)
        # the portal: home, login by SMS code (htmx, the countdown), my score
        page.goto(f"{base}/")
        watch.assert_clean("portal home")
        resident_login(page, base)
        watch.assert_clean("portal login")
        page.goto(f"{base}/me/score/")
        watch.assert_clean("portal score")
        assert not page.outside_requests  # type: ignore[attr-defined]

    with local_page(chromium, base, viewport={"width": 1366, "height": 900},
                    locale="zh-CN") as page:
        watch = Watch(page)
        page.goto(f"{base}/admin/login/")
        assert page.locator("#id_username").is_visible()
        watch.assert_clean("admin login")
        staff = browser_world.users["city_admin"]
        staff_login(page, base, staff)
        watch.assert_clean("back office login")
        # the resident search: htmx posts the term, the results are swapped in
        page.goto(f"{base}/staff/residents/")
        box = page.locator("#id_q")
        box.fill(ADULT_YZ_ID)
        page.locator("#results a", has_text="张伟明").wait_for()
        assert ADULT_YZ_ID not in page.url
        watch.assert_clean("back office search")
        page.locator("#results a", has_text="张伟明").click()
        page.wait_for_url(f"{base}/staff/residents/{browser_world.adult_yz.pk}/")
        watch.assert_clean("back office resident")
        # the admin, with its own scripts (changelist, filters, forms)
        page.goto(f"{base}/admin/")
        watch.assert_clean("admin index")
        page.goto(f"{base}/admin/people/resident/")
        assert page.locator("#result_list").is_visible()
        watch.assert_clean("admin list")
        page.goto(f"{base}/admin/people/resident/{browser_world.adult_yz.pk}/change/")
        watch.assert_clean("admin record")
        # the API documentation: Swagger UI renders the operations from local files
        page.goto(f"{base}/api/v1/docs")
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock-summary-path", has_text="/residents/search").count()
        page.locator(".opblock-summary", has_text="/geo/districts").first.click()
        page.get_by_role("button", name="Try it out").wait_for()
        watch.assert_clean("api docs")
        assert not page.outside_requests  # type: ignore[attr-defined]


def test_the_api_docs_have_no_try_it_console_in_production(
        chromium, browser_world, live_server, settings):
    settings.XJM_API_DOCS_TRY_IT = False  # as in production (settings: not PRODUCTION)
    base = live_server.url
    with local_page(chromium, base, viewport={"width": 1366, "height": 900}) as page:
        watch = Watch(page)
        page.goto(f"{base}/api/v1/docs")
        page.locator(".opblock-summary", has_text="/geo/districts").first.click()
        page.locator(".opblock-body").first.wait_for()
        assert page.locator(".opblock").count() > 10  # the documentation is all there
        assert page.get_by_role("button", name="Try it out").count() == 0
        watch.assert_clean("api docs, production")
