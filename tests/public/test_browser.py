"""A real Chromium through Playwright against a real gunicorn: people completing the wizard.

Every page is checked with axe-core (no serious or critical violations) in the language it is
shown in. Screenshots of each step, at phone and desktop widths, go to docs/screenshots when
VAKSIN_SCREENSHOTS=1 (so an ordinary test run leaves the work tree clean), else to a temp dir.
"""

import datetime
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tests.people import book_someone, mykad
from tests.processes import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures make
    # (seeding centres) are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _page(browser: Browser, *, viewport: str = "desktop", **options: Any) -> Page:
    context = browser.new_context(viewport=VIEWPORTS[viewport], **options)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("VAKSIN_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path


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


class Wizard:
    """Walks the wizard by clicking, as a person would, checking and photographing each page."""

    def __init__(self, page: Page, base: str, *, shots: Path | None = None, prefix: str = ""):
        self.page, self.base, self.shots, self.prefix = page, base, shots, prefix
        self.count = 0

    def look(self, name: str) -> None:
        assert_accessible(self.page)
        if self.shots is not None:
            self.count += 1
            self.page.screenshot(path=str(self.shots / f"{self.prefix}{self.count:02d}-{name}.png"))

    def walk(self, *, id_number: str, location_name: str, date_label: str, cont: str) -> None:
        page = self.page
        self.look("identity")
        page.get_by_label("MyKad", exact=True).check()
        page.locator("#id_number").fill(id_number)
        page.get_by_role("button", name=cont).click()
        self.look("details")
        page.locator("#name").fill("Nur Aisyah binti Ahmad")
        page.locator("#phone").fill("012-345 6789")
        page.locator("#email").fill("aisyah@example.com")
        page.get_by_role("button", name=cont).click()
        self.look("state")
        page.get_by_label("W.P. Kuala Lumpur").check()
        page.get_by_role("button", name=cont).click()
        self.look("centre")
        page.get_by_label(location_name).check()
        page.get_by_role("button", name=cont).click()
        self.look("date")
        page.get_by_label(date_label).check()
        page.get_by_role("button", name=cont).click()
        self.look("check")


def _seed(make_slot, *, capacity: int = 50) -> datetime.date:
    wtckl = "World Trade Centre Kuala Lumpur (WTCKL)"
    day = make_slot(location="WTCKL", capacity=capacity, name=wtckl)
    make_slot(location="WTCKL", capacity=80, date=day + datetime.timedelta(days=1), name=wtckl)
    make_slot(location="AXIATA", capacity=40, date=day, name="Axiata Arena, Bukit Jalil")
    return day


def _english_date(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_person_completes_the_wizard_in_english(
    browser: Browser, site: str, make_slot, shots: Path, viewport: str
) -> None:
    day = _seed(make_slot)
    page = _page(browser, viewport=viewport)
    page.goto(f"{site}/")
    wizard = Wizard(page, site, shots=shots, prefix=f"{viewport}-")
    wizard.look("start")
    page.get_by_role("button", name="Start now").click()
    wizard.walk(
        id_number=mykad(),
        location_name="World Trade Centre Kuala Lumpur (WTCKL)",
        date_label=_english_date(day),
        cont="Continue",
    )
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.locator("h1")).to_have_text("Appointment booked")
    expect(page.locator(".reference")).to_have_text(re.compile(r"^\w{3}-\w{3}-\w{3}$"))
    wizard.look("confirmation")
    # Reloading the confirmation re-posts nothing and shows the same reference.
    reference = page.locator(".reference").inner_text()
    page.reload()
    expect(page.locator(".reference")).to_have_text(reference)
    page.context.close()


def test_a_person_completes_the_wizard_in_malay(browser: Browser, site: str, make_slot, shots):
    day = _seed(make_slot)
    page = _page(browser, viewport="phone")
    page.goto(f"{site}/")
    page.get_by_role("button", name="Bahasa Melayu").click()
    expect(page.locator("html")).to_have_attribute("lang", "ms")
    wizard = Wizard(page, site, shots=shots, prefix="malay-phone-")
    wizard.look("mula")
    page.get_by_role("button", name="Mula sekarang").click()
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill("12345")
    page.get_by_role("button", name="Teruskan").click()
    expect(page).to_have_title(re.compile("^Ralat: "))
    expect(page.locator(".error-summary")).to_contain_text("Masukkan nombor MyKad anda")
    wizard.look("ralat")
    page.locator("#id_number").fill(mykad())
    page.get_by_role("button", name="Teruskan").click()
    page.locator("#name").fill("Nur Aisyah binti Ahmad")
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Teruskan").click()
    assert_accessible(page)
    page.get_by_label("W.P. Kuala Lumpur").check()
    page.get_by_role("button", name="Teruskan").click()
    assert_accessible(page)
    page.get_by_label("World Trade Centre Kuala Lumpur (WTCKL)").check()
    page.get_by_role("button", name="Teruskan").click()
    expect(page.locator("h1")).to_have_text("Tarikh manakah yang anda mahu?")
    wizard.look("tarikh")
    page.locator("#slot-first").check()
    page.get_by_role("button", name="Teruskan").click()
    expect(page.locator("h1")).to_have_text("Semak jawapan anda sebelum menempah")
    assert_accessible(page)
    page.get_by_role("button", name="Sahkan dan tempah").click()
    expect(page.locator("h1")).to_have_text("Janji temu telah ditempah")
    wizard.look("disahkan")
    reference = page.locator(".reference").inner_text()
    page.get_by_role("link", name="Semak janji temu anda").first.click()
    assert_accessible(page)
    page.locator("#id_number").fill("000000-00-0000")
    page.locator("#reference").fill(reference)
    page.get_by_role("button", name="Semak").click()
    expect(page.locator(".error-summary")).to_contain_text("Tiada janji temu yang sepadan")
    assert_accessible(page)
    assert day
    page.context.close()


def test_a_person_meets_a_sold_out_date_and_books_an_alternative(
    browser: Browser, site: str, make_slot, shots
):
    day = _seed(make_slot, capacity=1)
    page = _page(browser, viewport="phone")
    page.goto(f"{site}/register/")
    wizard = Wizard(page, site)
    wizard.walk(
        id_number=mykad(),
        location_name="World Trade Centre Kuala Lumpur (WTCKL)",
        date_label=_english_date(day),
        cont="Continue",
    )
    book_someone(location="WTCKL", date=day)  # someone else takes the last place meanwhile
    page.get_by_role("button", name="Confirm and book").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".error-summary")).to_contain_text("That date is now fully booked")
    expect(page.locator("#slot-first")).to_be_disabled()
    page.screenshot(path=str(shots / "phone-sold-out-alternatives.png"))
    assert_accessible(page)
    page.get_by_label(re.compile("^Axiata Arena, Bukit Jalil")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".summary")).to_contain_text("Axiata Arena, Bukit Jalil")
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.locator("h1")).to_have_text("Appointment booked")
    expect(page.locator(".summary")).to_contain_text("Axiata Arena, Bukit Jalil")
    page.context.close()


def test_a_person_with_javascript_disabled_completes_it(browser: Browser, site: str, make_slot):
    day = _seed(make_slot)
    page = _page(browser, java_script_enabled=False)
    page.goto(f"{site}/")
    page.get_by_role("button", name="Bahasa Melayu").click()
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Passport", exact=True).check()
    page.locator("#id_number").fill("A1234567")
    page.get_by_role("button", name="Continue").click()
    page.locator("#name").fill("Maria Santos")
    page.locator("#phone").fill("011-2345 6789")
    page.locator("#birth_day").fill("27")
    page.locator("#birth_month").fill("3")
    page.locator("#birth_year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("W.P. Kuala Lumpur").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("World Trade Centre Kuala Lumpur (WTCKL)").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(_english_date(day)).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".summary")).to_contain_text("27 March 1990")
    page.get_by_role("link", name="Change date of birth").click()
    expect(page.locator("#birth_day")).to_have_value("27")
    page.locator("#birth_day").fill("28")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".summary")).to_contain_text("28 March 1990")
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.locator("h1")).to_have_text("Appointment booked")
    page.context.close()


def test_a_bad_mykad_shows_the_error_summary(browser: Browser, site: str, make_slot, shots):
    _seed(make_slot)
    page = _page(browser, viewport="phone")
    page.goto(f"{site}/register/id/")
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill("900230-14-5555")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile("^Error: What is your identity document"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("must be your date of birth as YYMMDD")
    expect(page.locator("#id_number")).to_have_value("900230-14-5555")
    page.screenshot(path=str(shots / "phone-error-summary.png"))
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(page.locator("#id_number")).to_be_focused()
    page.context.close()


def _tab_to(page: Page, selector: str, *, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def test_a_person_completes_the_wizard_with_the_keyboard_only(
    browser: Browser, site: str, make_slot
):
    _seed(make_slot)
    page = _page(browser)
    page.goto(f"{site}/")
    _tab_to(page, "a.button--start")
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/id/")
    _tab_to(page, "#id_type-mykad")
    page.keyboard.press("Space")
    _tab_to(page, "#id_number")
    page.keyboard.type(mykad())
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/details/")
    for field, value in (("#name", "Nur Aisyah"), ("#phone", "0123456789")):
        _tab_to(page, field)
        page.keyboard.type(value)
    _tab_to(page, "#submit")
    page.keyboard.press("Enter")
    for step in ("state", "centre", "date"):
        page.wait_for_url(f"**/register/{step}/")
        _tab_to(page, ".radio-input")
        page.keyboard.press("Space")
        _tab_to(page, "#submit")
        page.keyboard.press("Enter")
    page.wait_for_url("**/register/check/")
    _tab_to(page, "#submit")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Appointment booked")
    page.context.close()


@pytest.mark.parametrize("language", ["en", "ms"])
def test_the_other_pages_are_accessible_in_both_languages(
    browser: Browser, site: str, make_slot, language: str
):
    _seed(make_slot)
    page = _page(browser, locale=language, extra_http_headers={"Accept-Language": language})
    for path in ("/", "/appointment/", "/no-such-page/", "/register/already-registered/"):
        page.goto(f"{site}{path}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_accessible(page)
    page.context.close()
