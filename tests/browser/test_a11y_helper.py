"""The axe-core check can fail: a page with known WCAG 2.1 AA violations (an image without a
text alternative, grey-on-white text, an unlabelled field — that one inside a closed
<details>, which the check opens) fails with each rule, its impact and the element."""

from __future__ import annotations

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

BAD = """<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main>
<h1>Bad page</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
<p id="faint" style="color:#c8c8c8;background:#fff">hard to read</p>
<details id="more"><summary>more</summary><input type="text" id="unlabelled"></details>
</main></body></html>"""


def test_violations_fail_the_test_with_rule_impact_and_element(phone_page):
    page = phone_page
    page.set_content(BAD)
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_accessible(page, "bad page")
    message = str(failed.value)
    assert "bad page" in message
    assert "- image-alt (critical) #no-alt: Images must have alternative text" in message
    assert "- color-contrast (serious) #faint:" in message
    assert "#unlabelled" in message  # found although its <details> was closed
    assert page.locator("#more").get_attribute("open") is None  # and closed again


def test_the_same_page_fixed_passes(phone_page):
    page = phone_page
    page.set_content(BAD.replace('id="no-alt"', 'id="no-alt" alt="logo"')
                     .replace("#c8c8c8", "#595959")
                     .replace('<input type="text" id="unlabelled">',
                              '<label for="unlabelled">name</label>'
                              '<input type="text" id="unlabelled">'))
    assert_accessible(page, "fixed page")
