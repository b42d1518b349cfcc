"""axe-core in the browser tests: every page passes WCAG 2.1 AA (the project's rule).

`assert_accessible(page, name)` runs axe-core (the copy bundled by axe-playwright-python,
injected into the page: nothing is fetched at run time) with the WCAG 2.0 and 2.1 A and AA
rules, and fails with one line per offending element: rule id, impact, CSS target, the
rule's help text and axe's own message. No rule is disabled.

Closed <details> (score items, version histories, "按其他日期计算") are opened for the check
and closed again afterwards, so what a person sees after opening them is checked too (axe
skips content that is not rendered).
"""

from __future__ import annotations

from typing import Any

import pytest

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_OPEN_ALL = """() => {
  const closed = [...document.querySelectorAll('details:not([open])')];
  closed.forEach((d, i) => { d.dataset.a11yOpened = String(i); d.open = true; });
  return closed.length;
}"""
_CLOSE_AGAIN = """() => {
  document.querySelectorAll('details[data-a11y-opened]').forEach(d => {
    d.open = false; delete d.dataset.a11yOpened;
  });
}"""


def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(page: Any, *, expand: bool = True) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.1 A/AA rules on the page as it is now."""
    if expand:
        page.evaluate(_OPEN_ALL)
    try:
        results = _axe().run(page, options={
            "runOnly": {"type": "tag", "values": WCAG_21_AA},
            "resultTypes": ["violations"],
        })
    finally:
        if expand:
            page.evaluate(_CLOSE_AGAIN)
    return list(results.response["violations"])


def report(found: list[dict[str, Any]]) -> str:
    """One line per element: rule (impact) target: help; axe's message."""
    lines = []
    for v in found:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            why = "; ".join(c["message"] for key in ("any", "all", "none")
                            for c in node.get(key, []))
            lines.append(f"- {v['id']} ({v.get('impact') or 'n/a'}) {target}: {v['help']}"
                         f"{' — ' + why if why else ''}")
    return "\n".join(lines)


def assert_accessible(page: Any, name: str, *, expand: bool = True) -> None:
    """Fail the test when axe-core finds a WCAG 2.1 AA violation on the page."""
    found = violations(page, expand=expand)
    if found:
        pytest.fail(f"{name} ({page.url}): {len(found)} axe-core WCAG 2.1 AA rule(s) "
                    f"violated\n{report(found)}", pytrace=False)
