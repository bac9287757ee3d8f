"""A real Chromium, at phone width and with JavaScript off, in each of the four languages: a
person changes their appointment's date, then cancels it, at /appointment/ with the code sent
to their phone; and someone on the waiting list books the place the change freed, from the link
in their SMS. Every page is checked with axe-core; screenshots go to docs/screenshots with
VAKSIN_SCREENSHOTS=1."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from devstack.people import mykad
from devstack.sms import code_sent_to, relay_and_send, sms_lines, sms_size
from registration.references import number_for, reference_for
from registration.services import BookingRequest, booking_create, booking_request_clean
from tests.browser import assert_accessible, new_page
from tests.codes import resend_allowed
from vaksin.invariants import store_problems
from vaksin.store import bookings, slots
from waitlist.services import waitlist_join

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ms", "zh-hans", "ta"]
NAMES = {"en": "English", "ms": "Bahasa Melayu", "zh-hans": "简体中文", "ta": "தமிழ்"}


def _said(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def _request(day: datetime.date, *, phone: str, language: str) -> BookingRequest:
    return booking_request_clean(
        id_type="mykad",
        id_number=mykad(),
        name="Tan Mei Ling",
        phone=phone,
        email="",
        location="WTCKL",
        date=day.isoformat(),
        lang=language,
        today=timezone.localdate(),
    )


class Look:
    """Checks each page with axe-core and photographs it, numbered, per language.

    The person browses with JavaScript off, where axe-core cannot run: the very HTML they were
    shown is served again, at the same address, to a page of the same width with JavaScript on,
    and checked there (the styles load from the site as before)."""

    def __init__(self, browser: Browser, page: Page, shots: Path, language: str) -> None:
        self.page, self.shots, self.language, self.count = page, shots, language, 0
        self.checker = new_page(browser, viewport="phone")

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        url, html = self.page.url, self.page.content()
        self.checker.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        self.checker.goto(url)
        assert_accessible(self.checker)
        self.checker.unroute(url)
        self.count += 1
        self.page.screenshot(
            path=str(self.shots / f"appointment-{self.language}-{self.count:02d}-{name}.png"),
            full_page=True,
        )


def _choose_language(page: Page, site: str, language: str) -> None:
    page.goto(f"{site}/appointment/")
    if language != "en":
        page.get_by_role("button", name=NAMES[language]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _look_up(page: Page, id_number: str, reference: str) -> None:
    page.locator("#id_number").fill(id_number)
    page.locator("#reference").fill(reference)
    page.locator("#submit").click()


def _prove_phone(page: Page, sms: Path, phone: str, language: str, look: Look) -> None:
    resend_allowed(phone)  # a minute after the code before, or the last language's run
    seen = sms_size(sms)
    page.locator("#send").click()
    page.wait_for_url("**/appointment/code/")
    expect(page.locator("h1")).to_have_text(_said(language, "Enter the code we sent you"))
    look("code")
    page.locator("#code").fill(code_sent_to(sms, phone, after=seen))
    page.locator("#submit").click()
    page.wait_for_url("**/appointment/manage/")
    expect(page.locator("h1")).to_have_text(_said(language, "Manage your appointment"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_changes_then_cancels_and_a_waiter_books_the_freed_place(
    browser: Browser,
    site: str,
    site_sms: Path,
    sms_file: Path,
    make_slot,
    shots: Path,
    settings,
    language: str,
) -> None:
    settings.SITE_URL = site
    name = "World Trade Centre Kuala Lumpur (WTCKL)"
    day = make_slot(location="WTCKL", capacity=1, name=name)
    later = make_slot(
        location="WTCKL", capacity=5, date=day + datetime.timedelta(days=2), name=name
    )
    make_slot(location="AXIATA", capacity=5, date=day, name="Axiata Arena, Bukit Jalil")
    phone, waiter_phone = "+60123456789", "+60198765432"
    booked = booking_create(request=_request(day, phone=phone, language=language))
    person = (bookings.read_entry(number_for(booked.reference) or 0) or {})["id_number"]
    waitlist_join(
        request=_request(day, phone=waiter_phone, language=language),
        verified_until=int(timezone.now().timestamp()) + 3600,  # a verified phone
    )
    relay_and_send()

    page = new_page(browser, viewport="phone", java_script_enabled=False)
    look = Look(browser, page, shots, language)
    _choose_language(page, site, language)
    look("look-up")
    _look_up(page, person, booked.reference)
    expect(page.locator("h1")).to_have_text(_said(language, "Your appointment"))
    look("found")
    _prove_phone(page, site_sms, phone, language, look)
    look("manage")

    # Change: another date, in one step.
    page.locator("#change").click()
    expect(page.locator("h1")).to_have_text(_said(language, "Choose a new date or centre"))
    look("change")
    page.locator(f'input[value="WTCKL|{later}"]').check()
    page.locator("#submit").click()
    expect(page.locator("h1")).to_have_text(_said(language, "Appointment changed"))
    new_reference = page.locator(".reference").inner_text()
    assert new_reference != booked.reference
    look("changed")
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1, f"WTCKL|{later}": 1}  # day: held
    # The SMS of the change, and the offer of the freed place to the waiter.
    assert relay_and_send() == ["sent", "sent"]
    texts = {line["to"]: line["text"] for line in sms_lines(sms_file)[-2:]}
    assert new_reference in texts[phone]
    offer = texts[waiter_phone]
    link = re.search(rf"{re.escape(site)}(/o/[a-z2-9]{{10}})", offer)
    assert link, offer
    if language != "en":
        assert "a place is free" not in offer and "is changed" not in texts[phone]

    # The old reference now says it was changed.
    page.goto(f"{site}/appointment/")
    _look_up(page, person, booked.reference)
    expect(page.locator("h1")).to_have_text(_said(language, "This appointment was changed"))
    look("old-reference")

    # Cancel: with the new reference, and a new code.
    page.goto(f"{site}/appointment/")
    _look_up(page, person, new_reference)
    _prove_phone(page, site_sms, phone, language, look)
    page.locator("#cancel").click()
    expect(page.locator("h1")).to_have_text(
        _said(language, "Are you sure you want to cancel this appointment?")
    )
    look("cancel")
    page.locator("#submit").click()
    expect(page.locator("h1")).to_have_text(_said(language, "Appointment cancelled"))
    look("cancelled")
    page.context.close()
    look.checker.context.close()

    assert relay_and_send() == ["sent"]
    assert sms_lines(sms_file)[-1]["to"] == phone

    # The waiter books the place the change freed, from the link in their SMS.
    page = new_page(browser, viewport="phone", java_script_enabled=False)
    look = Look(browser, page, shots, f"{language}-offer")
    _choose_language(page, site, language)
    page.goto(f"{site}{link.group(1)}")
    expect(page.locator("h1")).to_have_text(_said(language, "A place is held for you"))
    look("offer")
    page.locator("#submit").click()
    expect(page.locator("h1")).to_have_text(_said(language, "Appointment booked"))
    look("booked")
    page.context.close()
    look.checker.context.close()
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1, f"WTCKL|{later}": 0}
    assert bookings.read_person_number("mykad", person) is None
    assert reference_for(bookings.read_last_number())  # the waiter's booking is the last entry
    assert store_problems() == []
