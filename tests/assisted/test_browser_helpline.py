"""An assisted booking in a real Chromium against a real gunicorn: a member of staff logs in to
the admin with a password and an authenticator code, opens the helpline page from the admin's
index, books for a caller with no mobile phone, and prints the confirmation in the caller's
language (Malay); the caller then finds the appointment at /appointment/ with their MyKad
number and the reference read out to them."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import Browser, Page, expect

from audit.models import AuditEntry
from devstack.people import mykad
from devstack.staff import totp_code, totp_device
from tests.browser import assert_accessible, new_page

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
WTCKL = "World Trade Centre Kuala Lumpur (WTCKL)"
PASSWORD = "a long passphrase for the helpline"


def _log_in(page: Page, site: str) -> None:
    user = User.objects.create_user("operator", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="book_for_person"))
    page.goto(f"{site}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("[name=otp_token]").fill(totp_code(totp_device(user)))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")


def test_staff_book_for_a_caller_without_a_phone_and_print_the_confirmation(
    browser: Browser, site: str, make_slot, transactional_db: None, shots: Path
) -> None:
    day = make_slot(location="WTCKL", capacity=20, name=WTCKL)
    person = mykad()

    staff = new_page(browser)
    _log_in(staff, site)
    staff.get_by_role("link", name="Helpline bookings").click()
    expect(staff.locator("h1")).to_have_text("Book for a person (helpline)")
    assert_accessible(staff)

    staff.locator("#lang-nophone").select_option("ms")
    staff.get_by_role("button", name="The person has no mobile phone").click()
    expect(staff.locator("#phone-state")).to_contain_text("No mobile phone")
    staff.locator("#id_number").fill(person)
    staff.locator("#name").fill("Lim Ah Kow")
    staff.locator("#location").select_option("WTCKL")
    staff.locator("#date").fill(day.isoformat())
    staff.locator("#lang").select_option("ms")
    staff.locator("#reason").fill("Caller aged 80, no phone; booked with his consent")
    staff.get_by_role("button", name="Book the appointment").click()
    expect(staff.locator("#booked")).to_contain_text(WTCKL)
    reference = staff.locator("#booked strong").inner_text()
    assert_accessible(staff)
    staff.screenshot(path=str(shots / "helpline-1-booked.png"), full_page=True)

    staff.get_by_role("link", name="Printable confirmation").click()
    expect(staff.locator("h1")).to_have_text("Janji temu vaksinasi anda")
    expect(staff.locator("#reference")).to_have_text(reference)
    assert_accessible(staff)
    staff.screenshot(path=str(shots / "helpline-2-printed-ms.png"), full_page=True)
    staff.context.close()

    row = AuditEntry.objects.get(action="assisted_book")
    assert (row.actor, row.target) == ("operator", reference)
    assert person not in row.after

    caller = new_page(browser, viewport="phone", java_script_enabled=False)
    caller.goto(f"{site}/appointment/")
    caller.locator("#id_number").fill(person)
    caller.locator("#reference").fill(reference)
    caller.locator("#submit").click()
    expect(caller.locator("main")).to_contain_text(reference)
    expect(caller.locator("#booked-without-phone")).to_be_visible()
    caller.context.close()
