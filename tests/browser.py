"""The browser tests' shared pieces: a page opened at a phone's or a desktop's width,
axe-core's accessibility check, and the code typed from the SMS (the fixtures `browser`,
`site`, `site_sms` and `shots` are in tests/conftest.py)."""

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, ViewportSize

from devstack.processes import ROOT
from devstack.sms import code_sent_to

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}


def new_page(browser: Browser, *, viewport: str = "desktop", **options: Any) -> Page:
    # axe-core goes in as an inline script, which our Content-Security-Policy rightly refuses;
    # tests/security/test_headers.py checks the policy with it in force.
    options.setdefault("bypass_csp", True)
    context = browser.new_context(viewport=VIEWPORTS[viewport], **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def assert_accessible(page: Page) -> None:
    """axe-core's WCAG 2.x A and AA rules: nothing serious or critical."""
    # A click that submits a form returns once the next page is committed, not loaded: on a
    # busy machine the script could otherwise be added to a document that has no head yet.
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}))
            .violations.map(v => ({id: v.id, impact: v.impact,
                                   nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"


PHONE = "+60123456789"  # as typed in the walks: 012-345 6789


def type_code(page: Page, sms: Path, *, seen: int, phone: str = PHONE) -> None:
    """Types the code the SMS brought into the code step."""
    page.wait_for_url("**/register/code/")
    page.locator("#code").fill(code_sent_to(sms, phone, after=seen))
