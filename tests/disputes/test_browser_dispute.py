"""The dispute path in a real Chromium against a real gunicorn, as the person meets it: on a
phone's width, with JavaScript off, in Malay. Someone booked the person's MyKad from their own
phone; the person is refused, reports it from their own verified phone, and sees where the
report stands; a member of staff, having seen the MyKad, gives the booking to the person's phone
in the admin; the person's page says it is theirs, with the new reference their SMS brings.
(The SMS to the phone it was made from: tests/disputes/test_disputes.py. axe-core needs
JavaScript, so it checks the staff's page here; the person's pages share the wizard's layout,
which the wizard's browser tests check with it.)"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import Browser, Page, expect

from devstack.people import book_someone, mykad
from devstack.sms import sms_size
from devstack.staff import totp_code, totp_device
from disputes.models import Dispute
from tests.browser import assert_accessible, new_page, type_code

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
WTCKL = "World Trade Centre Kuala Lumpur (WTCKL)"
PASSWORD = "a long passphrase for the decider"


def _walk_in_malay(page: Page, site: str, sms: Path, *, id_number: str) -> None:
    page.goto(f"{site}/")
    page.get_by_role("button", name="Bahasa Melayu").click()
    page.get_by_role("button", name="Mula sekarang").click()
    seen = sms_size(sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Hantar kod").click()
    type_code(page, sms, seen=seen)
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill(id_number)
    page.get_by_role("button", name="Teruskan").click()
    page.locator("#name").fill("Nur Aisyah binti Ahmad")
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_label("W.P. Kuala Lumpur").check()
    page.get_by_role("button", name="Teruskan").click()
    # The state has one centre: the wizard goes straight to its dates.
    expect(page.locator("main")).to_contain_text(f"Di {WTCKL}")
    page.locator("#slot-first").check()
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_role("button", name="Sahkan dan tempah").click()


def _staff_give_it_to_the_person(page: Page, site: str, dispute: Dispute, seen: str) -> None:
    user = User.objects.create_user("decider", password=PASSWORD, is_staff=True)
    for codename in ("view_dispute", "resolve_dispute"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    decide = f"/admin/disputes/dispute/{dispute.pk}/decide/"
    page.goto(f"{site}/admin/login/?next={decide}")
    page.get_by_label("Username").fill("decider")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("[name=otp_token]").fill(totp_code(totp_device(user)))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}{decide}")
    assert_accessible(page)
    page.get_by_label("ID number on the MyKad or passport you have seen").fill(seen)
    page.get_by_label("How you checked it, and why").fill("MyKad seen at PPV WTCKL")
    page.get_by_role("button", name="Give the booking to the person's phone").click()
    expect(page.locator(".messagelist")).to_contain_text("The booking is now the person's")


def test_a_person_reports_a_booking_made_with_their_mykad_and_gets_it(
    browser: Browser,
    site: str,
    site_sms: Path,
    make_slot,
    transactional_db: None,
    shots: Path,
) -> None:
    day = make_slot(location="WTCKL", capacity=20, name=WTCKL)
    person = mykad()
    stolen = book_someone(location="WTCKL", date=day, id_number=person)

    page = new_page(browser, viewport="phone", java_script_enabled=False)
    _walk_in_malay(page, site, site_sms, id_number=person)
    expect(page.locator("h1")).to_have_text(
        "Orang ini tidak boleh ditempah daripada nombor telefon bimbit ini"
    )
    assert stolen not in page.content()
    page.screenshot(path=str(shots / "dispute-1-refused-ms.png"), full_page=True)

    page.get_by_role("link", name="Beritahu kami tempahan ini bukan milik anda").click()
    expect(page.locator("main")).to_contain_text(person[-4:])
    page.get_by_role("button", name="Tempahan ini bukan milik saya").click()
    expect(page.locator("h1")).to_have_text("Laporan anda: tempahan ini bukan milik saya")
    expect(page.locator("#report-status")).to_contain_text("Menunggu kakitangan")
    page.screenshot(path=str(shots / "dispute-2-reported-ms.png"), full_page=True)
    dispute = Dispute.objects.get()
    expect(page.locator("#report-number")).to_have_text(f"D-{dispute.pk}")

    staff = new_page(browser)
    _staff_give_it_to_the_person(staff, site, dispute, seen=person)
    staff.context.close()

    page.reload()
    expect(page.locator("#report-status")).to_contain_text("Tempahan itu kini milik anda")
    dispute.refresh_from_db()
    expect(page.locator("main")).to_contain_text(dispute.new_reference)
    page.screenshot(path=str(shots / "dispute-3-given-ms.png"), full_page=True)
    page.context.close()
