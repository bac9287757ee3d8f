"""What you see is what you book: a real Chromium (JavaScript off, a phone's width) against a
real gunicorn. Two tabs of one browser share the wizard's cookie; "Confirm and book" in the
first books only what the first showed."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from devstack.people import mykad
from devstack.sms import code_sent_to, sms_size
from tests.browser import PHONE, new_page, type_code
from tests.codes import resend_allowed
from tests.wizard.test_browser import _english_date, _seed

pytestmark = pytest.mark.browser
WTCKL = "World Trade Centre Kuala Lumpur (WTCKL)"


def phone_page(browser: Browser) -> Page:
    """JavaScript off, 390 px wide: the plainest phone the site must serve."""
    return new_page(browser, viewport="phone", java_script_enabled=False)


def verify(page: Page, sms: Path) -> None:
    resend_allowed(PHONE)  # another test's code to this phone is a minute old
    seen = sms_size(sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Send the code").click()
    type_code(page, sms, seen=seen)
    page.get_by_role("button", name="Continue").click()


def walk(page: Page, sms: Path, *, id_number: str, date_label: str) -> None:
    """From the phone step to the check page, as Nur Aisyah."""
    verify(page, sms)
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill(id_number)
    page.get_by_role("button", name="Continue").click()
    page.locator("#name").fill("Nur Aisyah binti Ahmad")
    page.get_by_role("button", name="Continue").click()
    for label in ("W.P. Kuala Lumpur", WTCKL, date_label):
        page.get_by_label(label).check()
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers before booking")


def test_a_second_tab_never_makes_the_first_book_its_person(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    day = _seed(make_slot)
    parent, child = mykad(), mykad()
    first = phone_page(browser)
    first.goto(f"{site}/register/")
    walk(first, site_sms, id_number=parent, date_label=_english_date(day))
    expect(first.locator(".summary")).to_contain_text("Nur Aisyah binti Ahmad")

    # The second tab of the same browser: the same cookie, another person's answers.
    second = first.context.new_page()
    second.goto(f"{site}/register/check/")
    second.get_by_role("link", name="Change identity document").click()
    second.locator("#id_number").fill(child)
    second.get_by_role("button", name="Continue").click()
    second.get_by_role("link", name="Change full name").click()
    second.locator("#name").fill("Child Two")
    second.get_by_role("button", name="Continue").click()
    expect(second.locator(".summary")).to_contain_text("Child Two")

    # The first tab still shows the parent: confirming books nobody, and says why.
    first.get_by_role("button", name="Confirm and book").click()
    expect(first.locator("h1")).to_have_text("Check your answers before booking")
    expect(first.locator(".notification")).to_contain_text(
        "Your answers were changed in another tab or window. Nothing has been booked"
    )
    expect(first.locator(".summary")).to_contain_text("Child Two")
    first.screenshot(path=str(shots / "phone-answers-changed-in-another-tab.png"), full_page=True)
    # Said once: a reload shows the page without the notification.
    first.reload()
    expect(first.locator(".notification")).to_have_count(0)

    # Confirming what is now shown books it, and the confirmation names whom it booked.
    first.get_by_role("button", name="Confirm and book").click()
    expect(first.locator("h1")).to_have_text("Appointment booked")
    expect(first.locator(".summary")).to_contain_text(f"Child Two, ID number ending {child[-4:]}")
    expect(first.locator(".summary")).to_contain_text(re.compile(r"\d{2}:\d{2}"))
    first.screenshot(path=str(shots / "phone-confirmation-names-the-person.png"), full_page=True)
    first.context.close()


def test_back_and_reload_after_an_error_never_resubmit_a_form(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    _seed(make_slot)
    page = phone_page(browser)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{site}/register/")
    verify(page, site_sms)
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill("900230-14-5555")
    page.get_by_role("button", name="Continue").click()
    # The error is the step's own page, fetched with GET after the refused POST.
    expect(page.locator(".error-summary")).to_contain_text("must be your date of birth")
    expect(page.locator("#id_number")).to_have_value("900230-14-5555")
    page.screenshot(path=str(shots / "phone-error-after-redirect.png"), full_page=True)
    sent = len(posts)
    page.reload()
    assert len(posts) == sent  # a reload asks nothing to be posted again
    expect(page.locator("h1")).to_have_text("What is your identity document?")
    expect(page.locator("#id_number")).to_have_value("900230-14-5555")

    page.locator("#id_number").fill(mykad())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/register/details/")
    sent = len(posts)
    page.go_back()
    # Back shows the identity step (not "Confirm Form Resubmission") with the answer kept.
    expect(page.locator("h1")).to_have_text("What is your identity document?")
    expect(page.locator("#id_type-mykad")).to_be_checked()
    assert len(posts) == sent
    page.context.close()


def test_a_wrong_code_is_said_by_the_code_step_s_own_page_and_a_reload_posts_nothing(
    browser: Browser, site: str, site_sms: Path, make_slot
) -> None:
    _seed(make_slot)
    page = phone_page(browser)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{site}/register/")
    resend_allowed(PHONE)
    seen = sms_size(site_sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Send the code").click()
    page.wait_for_url("**/register/code/")
    right = code_sent_to(site_sms, PHONE, after=seen)
    page.locator("#code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_contain_text("That code is not right")
    sent = len(posts)
    page.reload()
    # The code is not posted again (a reload of a POST's answer would spend another try);
    # the refusal was said once, and the step is there to try again.
    assert len(posts) == sent
    expect(page.locator("h1")).to_have_text(re.compile("code", re.I))
    expect(page.locator(".error-summary")).to_have_count(0)
    page.locator("#code").fill(right)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/register/id/")
    page.context.close()


@pytest.mark.parametrize("language", ["ms", "en", "zh-hans", "ta"])
def test_the_header_keeps_covid_19_on_one_line_at_320_px(
    browser: Browser, site: str, make_slot, shots: Path, language: str
) -> None:
    make_slot()
    context = browser.new_context(
        viewport={"width": 320, "height": 640},
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.goto(f"{site}/")
    # The lines "COVID-19" takes in the header and the heading: the tops of its boxes.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.header-tag, h1')].map(element => {
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const at = walker.currentNode.data.indexOf('COVID-19');
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(walker.currentNode, at);
                range.setEnd(walker.currentNode, at + 8);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            }
            return 0;
        })"""
    )
    assert lines == [1, 1], lines
    if language == "ms":
        page.screenshot(path=str(shots / "phone-320-malay-header.png"))
    context.close()
