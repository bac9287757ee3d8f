"""A real Chromium against a real gunicorn: a person books two doses through the wizard in Malay
and is told both, on the confirmation page, in its calendar file and at the look-up, then moves
the second dose alone to another date of its range."""

import datetime
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Browser, expect

from availability.services import slot_set_capacity
from devstack.people import mykad
from devstack.sms import code_sent_to, sms_size
from tests.browser import PHONE, assert_accessible, new_page, type_code
from tests.codes import resend_allowed
from vaksin.store import bookings
from vaksin.templatetags.vaksin import longdate

pytestmark = pytest.mark.browser


def test_a_person_books_in_malay_and_sees_both_doses_on_the_confirmation(
    browser: Browser, site: str, site_sms: Path, make_slot
) -> None:
    day = make_slot(location="WTCKL", capacity=20, name="World Trade Centre Kuala Lumpur")
    make_slot(location="AXIATA", capacity=20, date=day, name="Axiata Arena")  # a centre step
    second = day + datetime.timedelta(days=56)  # the automatic second-dose places
    later = day + datetime.timedelta(days=63)
    slot_set_capacity(location="WTCKL", date=later, capacity=5, dose=2)
    with translation.override("ms"):
        first_spelled, second_spelled = longdate(day), longdate(second)
        later_spelled = longdate(later)
    person = mykad()
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/")
    page.get_by_role("button", name="Bahasa Melayu").click()
    expect(page.locator("html")).to_have_attribute("lang", "ms")
    page.get_by_role("button", name="Mula sekarang").click()
    seen = sms_size(site_sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Hantar kod").click()
    type_code(page, site_sms, seen=seen)
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill(person)
    page.get_by_role("button", name="Teruskan").click()
    page.locator("#name").fill("Nur Aisyah binti Ahmad")
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_label("W.P. Kuala Lumpur").check()
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_label("World Trade Centre Kuala Lumpur").check()
    page.get_by_role("button", name="Teruskan").click()
    page.locator("#slot-first").check()
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_role("button", name="Sahkan dan tempah").click()

    expect(page.locator("h1")).to_have_text("Janji temu telah ditempah")
    reference = page.locator(".reference").inner_text()
    number = bookings.read_person_number("mykad", person)
    entry = bookings.read_entry(number or 0) or {}
    assert entry["date2"] == second.isoformat()
    summary = page.locator(".summary")
    expect(summary.locator(".summary-row", has_text="Dos 1")).to_contain_text(first_spelled)
    expect(summary.locator("#second-dose")).to_contain_text("Dos 2, pusat yang sama")
    expect(summary.locator("#second-dose")).to_contain_text(second_spelled)
    expect(summary).to_contain_text(entry["window2"])
    next_dose = page.locator("#second-dose-next")
    expect(next_dose.locator("h2")).to_have_text("Dos kedua anda juga telah ditempah")
    expect(next_dose).to_contain_text(
        f"Datang semula ke pusat yang sama pada {second_spelled}, antara {entry['window2']}, "
        "untuk dos kedua anda. Ia sudah ditempah: anda tidak perlu menempahnya lagi."
    )
    assert_accessible(page)

    # The calendar file the page links to: an event per dose, titled in Malay.
    ics = page.context.request.get(f"{site}/register/confirmation/calendar.ics").text()
    assert ics.count("BEGIN:VEVENT") == 2
    assert f"UID:{reference}-dose2@vaksin" in ics and f"DTSTART:{second:%Y%m%d}T" in ics
    assert f"SUMMARY:Vaksinasi\\, dos 2: {reference}" in ics

    # The look-up, in Malay, tells both doses too.
    page.get_by_role("link", name="Semak janji temu anda").first.click()
    page.locator("#id_number").fill(person)
    page.locator("#reference").fill(reference)
    page.get_by_role("button", name="Semak").click()
    expect(page.locator("#second-dose")).to_contain_text(second_spelled)
    expect(page.locator("#second-dose-next")).to_contain_text("Ia sudah ditempah")
    assert_accessible(page)

    # With the code sent to the booking's phone, the second dose moves alone within its range.
    resend_allowed(PHONE)  # the wizard's code was sent a moment ago
    seen = sms_size(site_sms)
    page.locator("#send").click()
    page.wait_for_url("**/appointment/code/")
    page.locator("#code").fill(code_sent_to(site_sms, PHONE, after=seen))
    page.locator("#submit").click()
    page.wait_for_url("**/appointment/manage/")
    page.locator("#change-second").click()
    expect(page.locator("h1")).to_have_text("Pilih tarikh baharu untuk dos kedua anda")
    assert_accessible(page)
    page.locator("#submit").click()  # nothing chosen: said in Malay, on the same page
    expect(page.locator(".error-summary")).to_contain_text("Pilih tarikh")
    assert_accessible(page)
    page.get_by_label(later_spelled).check()
    page.locator("#submit").click()
    page.wait_for_url("**/appointment/done/")
    expect(page.locator("#second-dose")).to_contain_text(later_spelled)
    expect(page.locator(".summary-row", has_text="Dos 1")).to_contain_text(first_spelled)
    assert_accessible(page)
    page.context.close()
