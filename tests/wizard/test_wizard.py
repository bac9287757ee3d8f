"""The wizard through Django's test client: every step, every refusal, post/redirect/get."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from devstack.people import book_someone, mykad
from phones.browser import COOKIE as PHONE_COOKIE
from registration.references import number_for
from tests.wizard_cookies import cookie_payload, error_page
from vaksin.store import keys
from wizard.state import COOKIE


def _reference(page: str) -> str:
    return page.split('class="reference">')[1].split("<")[0]


def test_a_person_books_through_every_step_and_sees_the_confirmation(
    client: Client, make_slot, walk, person
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    walk(person, location="WTCKL", date=day.isoformat())
    check = client.get("/register/check/")
    assert check.status_code == 200
    assert "Nur Aisyah binti Ahmad" in check.content.decode()
    assert "012-345 6789" in check.content.decode()
    booked = client.post("/register/check/")
    assert booked.status_code == 303
    assert booked["Location"] == "/register/confirmation/"
    page = client.get("/register/confirmation/").content.decode()
    assert "Appointment booked" in page
    assert "Centre WTCKL" in page
    assert re.search(r"\d\d:\d\d-\d\d:\d\d", page)
    assert number_for(_reference(page)) == 1


def test_every_wizard_page_is_never_stored_by_a_cache(client: Client, make_slot, walk, person):
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    client.post("/register/phone/", {"phone": "011-2345 6789"})
    for step in ("phone", "code", "id", "details", "state", "centre", "date", "check"):
        response = client.get(f"/register/{step}/")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_a_bad_mykad_shows_the_error_summary_and_keeps_the_answer(
    client: Client, make_slot, verify
):
    make_slot()
    verify("012-345 6789")
    response = client.post("/register/id/", {"id_type": "mykad", "id_number": "900230-14-5555"})
    page = error_page(response)
    assert 'class="error-summary"' in page
    assert 'href="#id_number"' in page
    assert "The first 6 digits of your MyKad number must be your date of birth" in page
    assert 'value="900230-14-5555"' in page
    assert re.search(r'id="id_type-mykad"[^>]*checked', page)


def test_every_missing_answer_is_listed_at_once_and_other_answers_are_kept(
    client: Client, make_slot, walk, person
):
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat(), until="id")
    response = client.post(
        "/register/details/",
        {"name": "", "phone": "03-2161 2345", "email": "not-an-address"},
        follow=True,
    )
    page = response.content.decode()
    assert "Enter your full name" in page
    assert "Enter an email address in the correct format" in page
    assert 'value="not-an-address"' in page
    assert page.count('class="error-message"') == 2


def _born(*, turning_18_on: datetime.date) -> datetime.date:
    return turning_18_on.replace(year=turning_18_on.year - 18)


def test_a_passport_holder_is_asked_their_date_of_birth_and_refused_at_once_if_too_young(
    client: Client, make_slot, walk
):
    day = make_slot()
    passport = {"id_type": "passport", "id_number": "A1234567", "name": "Maria Santos"}
    passport |= {"phone": "011-2345 6789"}
    walk(passport, location="WTCKL", date=day.isoformat(), until="id")
    asked = client.get("/register/details/").content.decode()
    assert 'id="birth_day"' in asked
    missing = client.post("/register/details/", {"name": "Maria Santos"}, follow=True)
    assert "Enter your date of birth" in missing.content.decode()
    young = _born(turning_18_on=day + datetime.timedelta(days=1))
    details = {"name": "Maria Santos", "birth_day": str(young.day)}
    details |= {"birth_month": str(young.month), "birth_year": str(young.year)}
    page = error_page(client.post("/register/details/", details))
    assert "You will not be 18 by " + f"{day.day} {day:%B %Y}" in page
    assert 'href="#birth_day"' in page
    assert client.get("/register/state/")["Location"] == "/register/details/"


def test_a_mykad_holder_who_cannot_be_18_by_the_last_date_offered_is_refused_at_the_identity_step(
    client: Client, make_slot, verify
):
    day = make_slot()
    last = make_slot(date=day + datetime.timedelta(days=3))
    verify("012-345 6789")
    number = mykad(born=_born(turning_18_on=last + datetime.timedelta(days=1)))
    page = error_page(client.post("/register/id/", {"id_type": "mykad", "id_number": number}))
    assert "You must be 18 or over on the date of your appointment" in page
    assert f"You will not be 18 by {last.day} {last:%B %Y}, the last date" in page
    assert client.get("/register/details/")["Location"] == "/register/id/"
    # Someone who turns 18 on the last date offered may go on.
    number = mykad(born=_born(turning_18_on=last))
    answered = client.post("/register/id/", {"id_type": "mykad", "id_number": number})
    assert answered["Location"] == "/register/details/"


def test_with_no_dates_listed_the_identity_step_counts_the_booking_horizon(
    client: Client, db, verify, settings
):
    verify("012-345 6789")
    horizon = timezone.localdate() + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    late = mykad(born=_born(turning_18_on=horizon + datetime.timedelta(days=1)))
    refused = client.post("/register/id/", {"id_type": "mykad", "id_number": late}, follow=True)
    assert f"You will not be 18 by {horizon.day} {horizon:%B %Y}" in refused.content.decode()
    in_time = mykad(born=_born(turning_18_on=horizon))
    answered = client.post("/register/id/", {"id_type": "mykad", "id_number": in_time})
    assert answered["Location"] == "/register/details/"


def test_someone_18_only_by_a_later_date_is_still_refused_an_earlier_one(
    client: Client, make_slot, walk, person
):
    day = make_slot()
    later = make_slot(date=day + datetime.timedelta(days=2))
    person["id_number"] = mykad(born=_born(turning_18_on=later))
    walk(person, location="WTCKL", date=day.isoformat(), until="centre")
    refused = client.post("/register/date/", {"slot": f"WTCKL|{day.isoformat()}"}, follow=True)
    assert "You must be 18 or over on the date of your appointment" in refused.content.decode()
    assert client.post("/register/date/", {"slot": f"WTCKL|{later.isoformat()}"}).status_code == 303


def test_a_mykad_number_typed_as_a_passport_is_refused_at_the_identity_step(
    client: Client, make_slot, verify
):
    make_slot()
    verify("012-345 6789")
    number = mykad()
    spaced = f"{number[:6]} {number[6:8]} {number[8:]}"
    page = error_page(client.post("/register/id/", {"id_type": "passport", "id_number": spaced}))
    assert "This is a MyKad number. Select MyKad and enter it there" in page
    # The summary leads to the fix: the MyKad choice. The number typed is kept.
    assert '<a href="#id_type-mykad">This is a MyKad number' in page
    assert f'value="{spaced}"' in page
    assert re.search(r'id="id_type-passport"[^>]*checked', page)
    answered = client.post("/register/id/", {"id_type": "mykad", "id_number": spaced})
    assert answered["Location"] == "/register/details/"


def test_change_links_return_to_the_check_page(client: Client, make_slot, walk, person):
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    check = client.get("/register/check/").content.decode()
    assert 'href="/register/details/?change=1"' in check
    changed = client.post("/register/details/?change=1", {"name": "Nur Aisyah"})
    assert changed["Location"] == "/register/check/"
    assert "Nur Aisyah" in client.get("/register/check/").content.decode()


def test_changing_the_state_asks_for_a_new_centre_and_date(client: Client, make_slot, walk, person):
    day = make_slot(location="WTCKL", state="MY-14")
    make_slot(location="IDCC", state="MY-10", date=day)
    make_slot(location="UKM", state="MY-10", date=day)
    walk(person, location="WTCKL", date=day.isoformat())
    changed = client.post("/register/state/?change=1", {"state": "MY-10"})
    assert changed["Location"] == "/register/centre/"
    assert client.get("/register/check/")["Location"] == "/register/centre/"


def test_a_state_with_one_centre_skips_the_centre_step_and_counts_one_step_fewer(
    client: Client, make_slot, walk, person
):
    day = make_slot(location="WTCKL", state="MY-14")
    make_slot(location="IDCC", state="MY-10", date=day)
    make_slot(location="UKM", state="MY-10", date=day)
    walk(person, location="WTCKL", date=day.isoformat(), until="details")
    assert "Step 4 of 8" in client.get("/register/details/").content.decode()
    chosen = client.post("/register/state/", {"state": "MY-14"})
    assert chosen["Location"] == "/register/date/"
    page = client.get("/register/date/").content.decode()
    assert "Step 6 of 7" in page
    assert 'href="/register/state/" class="back-link"' in page
    assert "Choose another state" in page
    assert client.post("/register/date/", {"slot": f"WTCKL|{day}"})["Location"] == (
        "/register/check/"
    )


def test_back_links_go_to_the_previous_step(client: Client, make_slot, walk, person):
    day = make_slot()
    make_slot(location="UM", date=day)
    walk(person, location="WTCKL", date=day.isoformat())
    assert (
        'href="/register/centre/" class="back-link"'
        in client.get("/register/date/").content.decode()
    )
    assert (
        'href="/register/id/" class="back-link"'
        in client.get("/register/details/").content.decode()
    )
    assert (
        'href="/register/phone/" class="back-link"' in client.get("/register/id/").content.decode()
    )
    assert 'href="/" class="back-link"' in client.get("/register/phone/").content.decode()


def test_a_step_opened_out_of_order_sends_the_person_to_the_first_unanswered_one(
    client: Client, make_slot, verify
):
    make_slot()
    assert client.get("/register/date/")["Location"] == "/register/phone/"
    assert client.get("/register/code/")["Location"] == "/register/phone/"
    assert client.get("/register/")["Location"] == "/register/phone/"
    verify("012-345 6789")
    assert client.get("/register/date/")["Location"] == "/register/id/"
    assert client.get("/register/code/")["Location"] == "/register/id/"
    assert client.get("/register/")["Location"] == "/register/id/"


def test_a_double_submit_shows_the_same_confirmation_and_books_once(
    client: Client, make_slot, walk, person, redis_client
):
    day = make_slot(capacity=5)
    walk(person, location="WTCKL", date=day.isoformat())
    cookies_before = {name: client.cookies[name].value for name in (COOKIE.name, PHONE_COOKIE.name)}
    first = client.post("/register/check/")
    page_one = client.get("/register/confirmation/").content.decode()
    # The second click arrives with the cookies the browser had before the first answer.
    for name, value in cookies_before.items():
        client.cookies[name] = value
    second = client.post("/register/check/")
    page_two = client.get("/register/confirmation/").content.decode()
    assert first.status_code == second.status_code == 303
    assert _reference(page_one) == _reference(page_two)
    assert redis_client.hget(keys.BOOKED, f"WTCKL|{day.isoformat()}") == "1"


def test_after_booking_the_cookie_keeps_the_confirmation_only_and_no_phone(
    client: Client, make_slot, walk, person
):
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    client.post("/register/check/")
    kept = cookie_payload(client)
    assert set(kept) == {"d"}
    # Whom it booked, by name and the ID number's last 4 digits only: a family books several.
    assert set(kept["d"]) == {
        "reference",
        "name",
        "id_last_digits",
        "location",
        "centre_name",
        "date",
        "arrival_window",
        "second_date",
        "second_window",
    }
    assert kept["d"]["id_last_digits"] == person["id_number"][-4:]
    assert person["id_number"] not in str(kept)
    assert "3456789" not in str(kept)
    assert "3456789" not in client.get("/register/confirmation/").content.decode()
    assert client.get("/register/check/")["Location"] == "/register/confirmation/"


def test_a_sold_out_date_returns_to_the_date_page_with_nearby_alternatives(
    client: Client, make_slot, walk, person
):
    day = make_slot(location="WTCKL", capacity=1, name="World Trade Centre Kuala Lumpur")
    make_slot(location="AXIATA", capacity=9, date=day, name="Axiata Arena")
    walk(person, location="WTCKL", date=day.isoformat())
    book_someone(location="WTCKL", date=day, id_number=mykad())
    refused = client.post("/register/check/")
    assert refused["Location"] == "/register/date/"
    page = client.get("/register/date/").content.decode()
    assert "<title>Error: " in page
    assert f"{day:%A} {day.day} {day:%B %Y} is now fully booked" in page
    # The places left come first: on a phone they would otherwise be far below.
    assert page.index(f'value="AXIATA|{day.isoformat()}"') < page.index(f'value="WTCKL|{day}"')
    # The notice is said once.
    assert "is now fully booked" not in client.get("/register/date/").content.decode()
    assert client.post("/register/date/", {"slot": f"AXIATA|{day.isoformat()}"}).status_code == 303
    assert client.post("/register/check/")["Location"] == "/register/confirmation/"
    assert "Axiata Arena" in client.get("/register/confirmation/").content.decode()


def test_someone_already_registered_elsewhere_is_told_and_pointed_to_the_look_up(
    client: Client, make_slot, walk, person
):
    day = make_slot(location="WTCKL")
    make_slot(location="AXIATA", date=day)
    book_someone(location="AXIATA", date=day, id_number=person["id_number"])
    walk(person, location="WTCKL", date=day.isoformat())
    refused = client.post("/register/check/")
    assert refused["Location"] == "/register/already-registered/"
    page = client.get(refused["Location"]).content.decode()
    assert "This person cannot be booked from this mobile number" in page
    assert 'href="/appointment/"' in page
    assert "AXIATA" not in page


def test_before_opening_the_wizard_says_when_it_opens(client: Client, settings, make_slot):
    settings.REGISTRATION_OPENS_AT = datetime.datetime(2999, 5, 26, 12, tzinfo=datetime.UTC)
    settings.VERIFICATION_OPENS_AT = settings.REGISTRATION_OPENS_AT
    for step in ("phone", "id"):
        response = client.get(f"/register/{step}/")
        assert response.status_code == 403
        assert "Registration has not opened yet" in response.content.decode()
        assert "verify your mobile number" not in response.content.decode()
    assert "Registration opens at" in client.get("/").content.decode()


def test_after_closing_the_wizard_says_it_is_closed(client: Client, settings, make_slot):
    settings.REGISTRATION_CLOSES_AT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    response = client.post("/register/id/", {"id_type": "mykad"})
    assert response.status_code == 403
    assert "Registration is closed" in response.content.decode()


def test_register_someone_else_starts_again_from_the_mobile_number(
    client: Client, make_slot, walk, person
):
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    client.post("/register/check/")
    assert client.post("/register/start-again/")["Location"] == "/register/"
    assert client.get("/register/")["Location"] == "/register/phone/"
    assert person["id_number"] not in client.get("/register/phone/").content.decode()


def test_register_someone_else_before_booking_keeps_the_verified_phone(
    client: Client, make_slot, walk, person
):
    day = make_slot()
    make_slot(location="AXIATA", date=day)
    book_someone(location="AXIATA", date=day, id_number=person["id_number"])
    walk(person, location="WTCKL", date=day.isoformat())
    assert client.post("/register/check/")["Location"] == "/register/already-registered/"
    assert client.post("/register/start-again/")["Location"] == "/register/"
    assert client.get("/register/")["Location"] == "/register/id/"
    assert person["id_number"] not in client.get("/register/id/").content.decode()


@pytest.mark.parametrize("path", ["/", "/register/id/", "/appointment/", "/nowhere/"])
def test_pages_are_translated_into_malay(client: Client, make_slot, path):
    client.cookies["django_language"] = "ms"
    page = client.get(path, follow=True).content.decode()
    assert '<html lang="ms">' in page
    assert "English" in page  # the switch back


def test_validation_errors_are_in_malay_too(client: Client, make_slot, verify):
    verify("012-345 6789")
    client.cookies["django_language"] = "ms"
    page = client.post(
        "/register/id/", {"id_type": "mykad", "id_number": "12"}, follow=True
    ).content.decode()
    assert "Ralat:" in page
    assert "Masukkan nombor MyKad anda" in page


def test_the_language_switch_works_without_javascript(client: Client):
    response = client.post("/i18n/setlang/", {"language": "ms", "next": "/register/id/"})
    assert response.status_code == 302
    assert response["Location"] == "/register/id/"
    assert '<html lang="ms">' in client.get("/").content.decode()


def test_an_unknown_page_is_a_calm_404(client: Client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_figures_carry_their_date_zone_and_thousands_and_missing_states_are_explained(
    client: Client, make_slot, walk, person
):
    day = make_slot(location="WTCKL", capacity=12_345)
    make_slot(location="UM", capacity=5, date=day)
    walk(person, location="WTCKL", date=day.isoformat(), until="details")
    page = client.get("/register/state/").content.decode()
    assert re.search(r"Places left as of \d\d:\d\d:\d\d on \d{1,2} \w+ \d{4}, Malaysia time", page)
    assert "12,350 places left" in page
    assert "Not listed: Johor, Kedah" in page and "W.P. Kuala Lumpur," not in page
    assert 'rel="icon"' in page
    assert "Step 5 of 8" in page


def test_the_confirmation_offers_the_appointment_as_a_calendar_file(
    client: Client, make_slot, walk, person
):
    day = make_slot(name="Axiata Arena")
    walk(person, location="WTCKL", date=day.isoformat())
    client.post("/register/check/")
    page = client.get("/register/confirmation/").content.decode()
    assert 'href="/register/confirmation/calendar.ics"' in page
    ics = client.get("/register/confirmation/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert f"UID:{_reference(page)}@vaksin" in text and "LOCATION:Axiata Arena" in text
    assert text.endswith("END:VCALENDAR\r\n")


@pytest.mark.parametrize(
    ("language", "heading", "error"),
    [
        ("zh-hans", "您的身份证件是什么？", "请以12位数字输入您的身份证（MyKad）号码"),
        ("ta", "உங்கள் அடையாள ஆவணம் எது?", "உங்கள் MyKad எண்ணை 12 இலக்கங்களாக உள்ளிடவும்"),
    ],
)
def test_pages_and_errors_are_in_chinese_and_tamil_too(
    client: Client, make_slot, verify, language, heading, error
):
    verify("012-345 6789")
    client.cookies["django_language"] = language
    page = client.post(
        "/register/id/", {"id_type": "mykad", "id_number": "12"}, follow=True
    ).content.decode()
    assert f'<html lang="{language}">' in page
    assert heading in page and error in page
    for other in ("English", "Bahasa Melayu", "简体中文", "தமிழ்"):
        assert (other in page) == (other != dict(zh_hans="简体中文", ta="தமிழ்")[
            language.replace("-", "_")])  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans", "ta"])
def test_every_message_has_its_sms_in_each_language(language: str) -> None:
    from confirmations import messages

    for kind in ("booked", "changed", "cancelled", "offered"):
        text = messages.sms_text(
            messages.Confirmation(
                reference="K7Q-X3M-HA2",
                centre="Axiata Arena",
                date=datetime.date(2021, 5, 28),
                window="09:00-09:30",
                lang=language,
                kind=kind,
                until="12:30",
                link="https://vaksin.example/waiting-list/x/",
            )
        )
        assert "Axiata Arena" in text
        assert text == messages.sms_text(
            messages.Confirmation(
                reference="K7Q-X3M-HA2", centre="Axiata Arena", date=datetime.date(2021, 5, 28),
                window="09:00-09:30", lang=language, kind=kind, until="12:30",
                link="https://vaksin.example/waiting-list/x/",
            )
        )  # fmt: skip
        if language != "en":
            assert "Vaksin: your" not in text and "a place is free" not in text


def test_someone_turning_100_on_the_day_of_their_appointment_may_choose_it(
    client: Client, make_slot, walk, person
) -> None:
    # Found by tests/journeys/test_every_input.py: the date step read the MyKad's two-digit year
    # as of the appointment's day, not today's, and took this person for a newborn.
    day = make_slot()
    person["id_number"] = f"{day:%y%m%d}140001"
    walk(person, location="WTCKL", date=day.isoformat())
    assert client.get("/register/check/").status_code == 200


def test_the_date_step_says_each_date_comes_with_its_second_dose(
    client: Client, make_slot, walk, person, settings
):
    day = make_slot(location="WTCKL", state="MY-14")
    walk(person, location="WTCKL", date=day.isoformat(), until="details")
    client.post("/register/state/", {"state": "MY-14"})
    page = client.get("/register/date/").content.decode()
    assert "second dose at the same centre, 56 to 84 days later" in page
    assert 'aria-describedby="date-hint dose-hint freshness' in page
    settings.DOSE_INTERVAL_DAYS = None
    assert "second dose" not in client.get("/register/date/").content.decode()
