"""No dead end after a change: a real Chromium (JavaScript off, a phone's width) against a real
gunicorn. The page that says the appointment was changed offers the new time's .ics, the new
reference and the way back to the appointment, with the proof of the phone kept."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from devstack.people import mykad
from devstack.sms import code_sent_to, sms_size
from registration.services import booking_create, booking_request_clean
from tests.browser import new_page
from tests.codes import resend_allowed

pytestmark = pytest.mark.browser
WTCKL = "World Trade Centre Kuala Lumpur (WTCKL)"


def test_after_a_change_the_page_offers_the_new_ics_and_the_way_back(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    day = make_slot(location="WTCKL", capacity=5, name=WTCKL)
    later = make_slot(
        location="WTCKL", capacity=5, date=day + datetime.timedelta(days=2), name=WTCKL
    )
    phone, id_number = "+60123456789", mykad()
    booked = booking_create(
        request=booking_request_clean(
            id_type="mykad", id_number=id_number, name="Tan Mei Ling", phone=phone, email="",
            location="WTCKL", date=day.isoformat(), lang="en", today=timezone.localdate(),
        )
    )  # fmt: skip
    page = new_page(browser, viewport="phone", java_script_enabled=False)
    page.goto(f"{site}/appointment/")
    page.locator("#id_number").fill(id_number)
    page.locator("#reference").fill(booked.reference)
    page.locator("#submit").click()
    resend_allowed(phone)
    seen = sms_size(site_sms)
    page.locator("#send").click()
    page.locator("#code").fill(code_sent_to(site_sms, phone, after=seen))
    page.locator("#submit").click()
    page.wait_for_url("**/appointment/manage/")
    page.locator("#change").click()
    page.locator(f'input[value="WTCKL|{later}"]').check()
    page.locator("#submit").click()

    expect(page.locator("h1")).to_have_text("Appointment changed")
    reference = page.locator(".reference").inner_text()
    assert reference != booked.reference
    page.screenshot(path=str(shots / "phone-appointment-changed-next-steps.png"), full_page=True)
    link = page.get_by_role("link", name="Add the new time to your calendar (.ics file)")
    calendar = page.context.request.get(f"{site}{link.get_attribute('href')}")
    assert calendar.status == 200
    ics = calendar.text()
    assert f"UID:{reference}@vaksin" in ics
    assert f"DTSTART:{later:%Y%m%d}T" in ics  # the new date (its times in UTC, the same day)
    page.get_by_role("link", name="Back to your appointment").click()
    # Still proven: the new appointment's page, not the look-up or the code again.
    expect(page.locator("h1")).to_have_text("Manage your appointment")
    expect(page.locator("main")).to_contain_text(reference)
    page.context.close()
