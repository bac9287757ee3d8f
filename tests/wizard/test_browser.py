"""A real Chromium through Playwright against a real gunicorn: people completing the wizard.

Codes are sent by a real `manage.py relay_outbox --codes-only` through the file SMS backend, and
read back from its file as a person reads their SMS. Every page is checked with axe-core (no
serious or critical violations) in the language it is shown in (tests/browser.py).
"""

import datetime
import re
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from devstack.people import book_someone, booking_request, mykad
from devstack.sms import code_sent_to, sms_size
from registration.services import booking_create
from tests.browser import PHONE, assert_accessible, new_page, type_code
from tests.codes import resend_allowed

pytestmark = pytest.mark.browser


class Wizard:
    """Walks the wizard by clicking, as a person would, checking and photographing each page."""

    def __init__(
        self, page: Page, sms: Path, *, shots: Path | None = None, prefix: str = ""
    ) -> None:
        self.page, self.sms, self.shots, self.prefix = page, sms, shots, prefix
        self.count = 0

    def look(self, name: str) -> None:
        assert_accessible(self.page)
        if self.shots is not None:
            self.count += 1
            self.page.screenshot(path=str(self.shots / f"{self.prefix}{self.count:02d}-{name}.png"))

    def verify(self, *, cont: str = "Continue", send: str = "Send the code") -> None:
        page = self.page
        self.look("phone")
        seen = sms_size(self.sms)
        page.locator("#phone").fill("012-345 6789")
        page.get_by_role("button", name=send).click()
        expect(page.locator("main")).to_contain_text("012-345 6789")
        self.look("code")
        type_code(page, self.sms, seen=seen)
        page.get_by_role("button", name=cont).click()

    def walk(self, *, id_number: str, location_name: str, date_label: str, cont: str) -> None:
        page = self.page
        self.verify()
        self.look("identity")
        page.get_by_label("MyKad", exact=True).check()
        page.locator("#id_number").fill(id_number)
        page.get_by_role("button", name=cont).click()
        self.look("details")
        expect(page.locator(".summary")).to_contain_text("012-345 6789")
        page.locator("#name").fill("Nur Aisyah binti Ahmad")
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
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path, viewport: str
) -> None:
    day = _seed(make_slot)
    page = new_page(browser, viewport=viewport)
    page.goto(f"{site}/")
    wizard = Wizard(page, site_sms, shots=shots, prefix=f"{viewport}-")
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


def test_a_person_completes_the_wizard_in_malay(
    browser: Browser, site: str, site_sms: Path, make_slot, shots
):
    day = _seed(make_slot)
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/")
    page.get_by_role("button", name="Bahasa Melayu").click()
    expect(page.locator("html")).to_have_attribute("lang", "ms")
    wizard = Wizard(page, site_sms, shots=shots, prefix="malay-phone-")
    wizard.look("mula")
    page.get_by_role("button", name="Mula sekarang").click()
    expect(page.locator("h1")).to_have_text("Apakah nombor telefon bimbit anda?")
    wizard.look("telefon")
    seen = sms_size(site_sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Hantar kod").click()
    expect(page.locator("h1")).to_have_text("Masukkan kod pengesahan yang kami hantar")
    wizard.look("kod")
    page.locator("#code").fill("000000")
    page.get_by_role("button", name="Teruskan").click()
    expect(page.locator(".error-summary")).to_contain_text("Kod itu tidak betul")
    assert_accessible(page)
    type_code(page, site_sms, seen=seen)
    page.get_by_role("button", name="Teruskan").click()
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill("12345")
    page.get_by_role("button", name="Teruskan").click()
    expect(page).to_have_title(re.compile("^Ralat: "))
    expect(page.locator(".error-summary")).to_contain_text("Masukkan nombor MyKad anda")
    wizard.look("ralat")
    page.locator("#id_number").fill(mykad())
    page.get_by_role("button", name="Teruskan").click()
    expect(page.locator(".summary")).to_contain_text("Disahkan")
    page.locator("#name").fill("Nur Aisyah binti Ahmad")
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
    browser: Browser, site: str, site_sms: Path, make_slot, shots
):
    day = _seed(make_slot, capacity=1)
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/register/")
    wizard = Wizard(page, site_sms)
    wizard.walk(
        id_number=mykad(),
        location_name="World Trade Centre Kuala Lumpur (WTCKL)",
        date_label=_english_date(day),
        cont="Continue",
    )
    book_someone(location="WTCKL", date=day)  # someone else takes the last place meanwhile
    page.get_by_role("button", name="Confirm and book").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".error-summary")).to_contain_text(
        f"{_english_date(day)} is now fully booked"
    )
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


def test_a_person_with_javascript_disabled_completes_it(
    browser: Browser, site: str, site_sms: Path, make_slot
):
    day = _seed(make_slot)
    page = new_page(browser, java_script_enabled=False)
    page.goto(f"{site}/")
    page.get_by_role("button", name="Bahasa Melayu").click()
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Start now").click()
    resend_allowed("011-2345 6789")  # the other width's run sent it a code just now
    seen = sms_size(site_sms)
    page.locator("#phone").fill("011-2345 6789")
    page.get_by_role("button", name="Send the code").click()
    page.wait_for_url("**/register/code/")
    resend_allowed("011-2345 6789")  # a minute later
    page.get_by_role("button", name="Send a new code").click()
    expect(page.locator(".notice")).to_contain_text("We have sent a new code to 011-2345 6789")
    type_code(page, site_sms, seen=seen, phone="+601123456789")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Passport", exact=True).check()
    page.locator("#id_number").fill("A1234567")
    page.get_by_role("button", name="Continue").click()
    page.locator("#name").fill("Maria Santos")
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


def test_a_bad_mykad_shows_the_error_summary(
    browser: Browser, site: str, site_sms: Path, make_slot, shots
):
    _seed(make_slot)
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/register/")
    Wizard(page, site_sms).verify()
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
    browser: Browser, site: str, site_sms: Path, make_slot
):
    _seed(make_slot)
    page = new_page(browser)
    page.goto(f"{site}/")
    _tab_to(page, "a.button--start")
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/phone/")
    seen = sms_size(site_sms)
    _tab_to(page, "#phone")
    page.keyboard.type("0123456789")
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/code/")
    _tab_to(page, "#code")
    page.keyboard.type(code_sent_to(site_sms, PHONE, after=seen))
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/id/")
    _tab_to(page, "#id_type-mykad")
    page.keyboard.press("Space")
    _tab_to(page, "#id_number")
    page.keyboard.type(mykad())
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/details/")
    _tab_to(page, "#name")
    page.keyboard.type("Nur Aisyah")
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


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans", "ta"])
def test_the_other_pages_are_accessible_in_every_language(
    browser: Browser, site: str, make_slot, language: str
):
    _seed(make_slot)
    page = new_page(browser, locale=language, extra_http_headers={"Accept-Language": language})
    paths = ("/", "/register/phone/", "/appointment/", "/no-such-page/")
    for path in (*paths, "/register/already-registered/"):
        page.goto(f"{site}{path}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_accessible(page)
    page.context.close()


def test_a_wrong_code_says_the_tries_left_and_a_new_code_can_be_sent(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    _seed(make_slot)
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/register/")
    seen = sms_size(site_sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Send the code").click()
    first = code_sent_to(site_sms, PHONE, after=seen)
    page.locator("#code").fill(f"{(int(first) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("That code is not right")
    expect(summary).to_contain_text("you have 4 more tries")
    page.screenshot(path=str(shots / "phone-code-wrong.png"))
    assert_accessible(page)
    # At once, the SMS may still be on its way: one code a minute to a phone.
    page.get_by_role("button", name="Send a new code").click()
    expect(summary).to_contain_text("We sent a code to this number less than a minute ago")
    assert_accessible(page)
    resend_allowed(PHONE)  # a minute later
    seen = sms_size(site_sms)
    page.get_by_role("button", name="Send a new code").click()
    expect(page.locator(".notice")).to_contain_text("We have sent a new code to 012-345 6789")
    page.screenshot(path=str(shots / "phone-code-resent.png"))
    assert_accessible(page)
    type_code(page, site_sms, seen=seen)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/register/id/")
    page.context.close()


def test_a_person_verifies_days_before_and_books_at_noon_without_a_new_code(
    browser: Browser, web_server, site_sms: Path, make_slot, shots: Path
) -> None:
    day = _seed(make_slot)
    days_before = web_server(
        workers=1,
        VERIFICATION_OPENS_AT="2000-01-01T00:00:00+08:00",
        REGISTRATION_OPENS_AT="2999-05-26T12:00:00+08:00",
    )
    noon = web_server(workers=1)  # the same site once registration has opened
    page = new_page(browser, viewport="phone")
    page.goto(f"{days_before}/")
    expect(page.locator("main")).to_contain_text("Registration opens at 12:00")
    page.screenshot(path=str(shots / "phone-get-ready.png"))
    assert_accessible(page)
    page.get_by_role("button", name="Verify your mobile number").click()
    expect(page.locator(".inset")).to_contain_text("Verify your number now")
    seen = sms_size(site_sms)
    page.locator("#phone").fill("012-345 6789")
    page.get_by_role("button", name="Send the code").click()
    type_code(page, site_sms, seen=seen)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your mobile number is verified")
    page.screenshot(path=str(shots / "phone-ready.png"))
    assert_accessible(page)
    page.goto(f"{days_before}/register/id/")
    expect(page.locator("main")).to_contain_text("Your mobile number 012-345 6789 is verified")
    assert_accessible(page)

    # Noon: the cookie the browser kept takes the person straight to the booking steps.
    page.goto(f"{noon}/register/")
    page.wait_for_url("**/register/id/")
    wizard = Wizard(page, site_sms)
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill(mykad())
    page.get_by_role("button", name="Continue").click()
    page.locator("#name").fill("Nur Aisyah binti Ahmad")
    page.get_by_role("button", name="Continue").click()
    for label in ("W.P. Kuala Lumpur", "World Trade Centre Kuala Lumpur (WTCKL)"):
        page.get_by_label(label).check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label(_english_date(day)).check()
    page.get_by_role("button", name="Continue").click()
    wizard.look("check")
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.locator("h1")).to_have_text("Appointment booked")
    assert site_sms.read_text()[seen:].count(PHONE) == 1  # one code, sent days before
    page.context.close()


def test_the_identity_step_refuses_a_child_and_a_mykad_typed_as_a_passport(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    day = _seed(make_slot)
    last = day + datetime.timedelta(days=1)
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/register/")
    Wizard(page, site_sms).verify()
    page.get_by_label("MyKad", exact=True).check()
    page.locator("#id_number").fill(mykad(born=last.replace(year=last.year - 17)))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_contain_text(
        f"You will not be 18 by {last.day} {last:%B %Y}, the last date appointments are offered"
    )
    page.screenshot(path=str(shots / "phone-too-young.png"))
    assert_accessible(page)
    number = mykad()
    page.get_by_label("Passport", exact=True).check()
    page.locator("#id_number").fill(number)
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("This is a MyKad number. Select MyKad and enter it there")
    page.screenshot(path=str(shots / "phone-passport-is-mykad.png"))
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(page.locator("#id_type-mykad")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/register/details/")
    page.context.close()


def test_a_phone_at_its_limit_is_told_to_use_another_family_members_number(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path
) -> None:
    day = _seed(make_slot)
    for i in range(4):  # PHONE_BOOKING_LIMIT: the family has booked from this phone already
        request = booking_request(40_000_000 + i, location="AXIATA", date=day)
        booking_create(request=replace(request, phone=PHONE))
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/register/")
    Wizard(page, site_sms).walk(
        id_number=mykad(),
        location_name="World Trade Centre Kuala Lumpur (WTCKL)",
        date_label=_english_date(day),
        cont="Continue",
    )
    page.get_by_role("button", name="Confirm and book").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("This mobile number already holds 4 appointments")
    expect(summary).to_contain_text("another family member's mobile number")
    page.screenshot(path=str(shots / "phone-phone-limit.png"))
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("What is your mobile number?")
    page.context.close()


# A person who reads Chinese or Tamil, with a name in its script: how each language says the
# page they reach, and how it writes the date of their appointment.
IN_THEIR_SCRIPT = {
    "zh-hans": ("简体中文", "陈美玲", "预约", "{day.year}年{day.month}月{day.day}日"),
    "ta": ("தமிழ்", "முத்துலட்சுமி சுப்பிரமணியம்", "முன்பதிவு", "{day.day} "),
}


@pytest.mark.parametrize("lang", IN_THEIR_SCRIPT)
def test_a_person_books_in_chinese_or_tamil_from_the_first_page_to_the_confirmation(
    browser: Browser, site: str, site_sms: Path, make_slot, shots: Path, lang: str
) -> None:
    language, name, booked_word, date_shape = IN_THEIR_SCRIPT[lang]
    day = _seed(make_slot)
    page = new_page(browser, viewport="phone")
    page.goto(f"{site}/")
    page.get_by_role("button", name=language).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    wizard = Wizard(page, site_sms, shots=shots, prefix=f"{lang}-phone-")
    wizard.look("start")
    page.locator("a.button--start").click()
    wizard.look("phone")
    seen = sms_size(site_sms)
    page.locator("#phone").fill("012-345 6789")
    page.locator("#submit").click()
    wizard.look("code")
    type_code(page, site_sms, seen=seen)
    page.locator("#submit").click()
    page.locator("#id_type-mykad").check()
    page.locator("#id_number").fill(mykad())
    wizard.look("identity")
    page.locator("#submit").click()
    page.locator("#name").fill(name)
    wizard.look("details")
    page.locator("#submit").click()
    page.locator("input[value='MY-14']").check()
    wizard.look("state")
    page.locator("#submit").click()
    page.locator("input[value='WTCKL']").check()
    wizard.look("centre")
    page.locator("#submit").click()
    page.locator("#slot-first").check()
    wizard.look("date")
    page.locator("#submit").click()
    expect(page.locator(".summary")).to_contain_text(name)
    expect(page.locator(".summary")).to_contain_text(date_shape.format(day=day))
    wizard.look("check")
    page.locator("#submit").click()
    expect(page.locator(".reference")).to_have_text(re.compile(r"^\w{3}-\w{3}-\w{3}$"))
    expect(page.locator("h1")).to_contain_text(booked_word)
    expect(page.locator("main")).to_contain_text(date_shape.format(day=day))
    wizard.look("confirmation")
    page.context.close()
