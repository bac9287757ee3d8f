"""Closed, paused and sold out told apart before anyone spends a code: a real Chromium
(JavaScript off, a phone's width) against a real gunicorn, on the home page and the phone step."""

import datetime
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from devstack.people import book_someone
from devstack.processes import wait_until
from devstack.sms import sms_size
from operations.services import switch_flip
from tests.browser import new_page
from vaksin.switches import SWITCHES_TTL

pytestmark = pytest.mark.browser


def phone_page(browser: Browser) -> Page:
    return new_page(browser, viewport="phone", java_script_enabled=False)


def shows(page: Page, url: str, text: str) -> bool:
    """Whether `url` shows `text` (the site's copies of the switches and the listing are at most
    a second old)."""
    page.goto(url)
    return text in page.locator("main").inner_text()


def test_a_paused_registration_says_so_and_sends_no_code(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    make_slot(location="WTCKL", capacity=50)
    switch_flip(actor="operator", address=None, name="registration", choice="closed")
    page = phone_page(browser)
    assert wait_until(lambda: shows(page, f"{site}/", "paused"), seconds=10)
    main = page.locator("main")
    expect(main).to_contain_text("Registration is paused for a few minutes. Try again shortly.")
    expect(main).to_contain_text("If you are in the waiting room, we will not lose your place")
    expect(main).not_to_contain_text("Registration is closed")
    expect(page.get_by_role("button", name="Start now")).to_have_count(0)
    page.screenshot(path=str(shots / "phone-registration-paused.png"), full_page=True)

    # The phone step says it too, with no form to send a code from.
    seen = sms_size(site_sms)
    page.goto(f"{site}/register/phone/")
    expect(page.locator("h1")).to_have_text("Registration is paused")
    expect(page.locator("#phone")).to_have_count(0)
    assert sms_size(site_sms) == seen
    page.context.close()


def test_after_the_close_the_home_page_names_the_last_day(
    browser: Browser, web_server, make_slot, shots: Path
) -> None:
    make_slot(location="WTCKL", capacity=50)
    base = web_server(workers=1, REGISTRATION_CLOSES_AT="2021-06-30T17:00:00+08:00")
    page = phone_page(browser)
    page.goto(f"{base}/")
    main = page.locator("main")
    expect(main).to_contain_text("Registration is closed.")
    expect(main).to_contain_text(
        "The last day to register was Wednesday 30 June 2021: registration closed at 17:00."
    )
    expect(main).not_to_contain_text("paused")
    page.screenshot(path=str(shots / "phone-registration-closed.png"), full_page=True)
    page.goto(f"{base}/register/phone/")
    expect(page.locator("h1")).to_have_text("Registration is closed")
    expect(page.locator("#phone")).to_have_count(0)
    page.context.close()


def test_when_every_place_is_taken_the_home_page_and_phone_step_offer_a_waiting_list(
    browser: Browser, site: str, make_slot, shots: Path
) -> None:
    day = make_slot(location="WTCKL", capacity=1)
    book_someone(location="WTCKL", date=day)
    page = phone_page(browser)
    # Every worker's copy of the switches and the listing (a second at most) has caught up.
    assert wait_until(
        lambda: (
            shows(page, f"{site}/register/phone/", "Every place is taken")
            and shows(page, f"{site}/", "Every place is taken")
        ),
        seconds=10,
    )
    # Those two answers came from workers that had caught up; another worker's copy may still
    # be the last test's (paused) for at most its age.
    time.sleep(SWITCHES_TTL)
    expect(page.locator("main")).to_contain_text("You can join a waiting list")
    page.screenshot(path=str(shots / "phone-every-place-taken.png"), full_page=True)
    page.get_by_role("button", name="Start now").click()
    # Before any code is sent, the phone step says what a code is for now.
    expect(page.locator("h1")).to_have_text("What is your mobile number?")
    expect(page.locator("main")).to_contain_text("Every place is taken.")
    expect(page.locator("main")).to_contain_text("You can join a waiting list")
    page.context.close()


def test_before_the_opening_the_home_page_says_when_it_opens(
    browser: Browser, web_server, make_slot
) -> None:
    make_slot(location="WTCKL", capacity=50)
    opens = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).date()
    base = web_server(workers=1, REGISTRATION_OPENS_AT=f"{opens}T12:00:00+08:00")
    page = phone_page(browser)
    page.goto(f"{base}/")
    expect(page.locator("main")).to_contain_text("Registration opens at 12:00")
    expect(page.locator("main")).not_to_contain_text("paused")
    page.context.close()
