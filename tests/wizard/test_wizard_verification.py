"""The wizard's phone steps: a mobile number, a code by SMS, and a booking made from that phone
only. Each person's test has an attacker's beside it."""

import datetime
import time

from django.test import Client

from devstack.people import book_someone, mykad
from devstack.sms import sms_lines
from registration.references import number_for
from tests.codes import resend_allowed
from tests.wizard_cookies import cookie_rewrite, error_page
from vaksin.store import bookings, keys

FUTURE = datetime.datetime(2999, 5, 26, 12, tzinfo=datetime.UTC)
PAST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _send(client: Client, phone: str = "012-345 6789") -> None:
    sent = client.post("/register/phone/", {"phone": phone})
    assert sent["Location"] == "/register/code/", sent.content.decode()[:2000]


def test_the_wizard_starts_by_asking_for_a_mobile_number(client: Client, make_slot) -> None:
    make_slot()
    assert client.get("/register/")["Location"] == "/register/phone/"
    page = client.get("/register/phone/").content.decode()
    for shown in ("What is your mobile number?", 'type="tel"', "up to 4 appointments"):
        assert shown in page


def test_the_code_page_says_where_the_code_went_and_how_to_get_another(
    client: Client, make_slot, send_codes, sms_file
) -> None:
    make_slot()
    _send(client, "0123456789")
    [code] = send_codes()
    assert sms_lines(sms_file)[0]["to"] == "+60123456789"
    page = client.get("/register/code/").content.decode()
    assert "We have sent a 6-digit code by SMS to <strong>012-345 6789</strong>" in page
    assert "It works until" in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert 'name="resend"' in page
    assert 'href="/register/phone/"' in page
    assert code not in page


def test_the_right_code_verifies_the_phone_and_goes_on_to_the_identity_step(
    client: Client, make_slot, send_codes
) -> None:
    make_slot()
    _send(client)
    [code] = send_codes()
    verified = client.post("/register/code/", {"code": f" {code[:3]} {code[3:]} "})
    assert verified["Location"] == "/register/id/"
    assert client.get("/register/code/")["Location"] == "/register/id/"


def test_a_landline_or_a_foreign_number_gets_no_code(client: Client, make_slot, send_codes):
    make_slot()
    page = error_page(client.post("/register/phone/", {"phone": "03-2161 2345"}))
    assert "Enter a mobile number, not a landline" in page
    assert 'value="03-2161 2345"' in page
    foreign = client.post("/register/phone/", {"phone": "+44 7700 900123"}, follow=True)
    assert "Enter a Malaysian mobile number" in foreign.content.decode()
    missing = client.post("/register/phone/", {"phone": " "}, follow=True)
    assert "Enter your mobile number" in missing.content.decode()
    assert send_codes() == []


def test_a_wrong_code_says_how_many_tries_are_left_then_to_send_a_new_code(
    client: Client, make_slot, send_codes
) -> None:
    make_slot()
    _send(client)
    [code] = send_codes()
    tries = [client.post("/register/code/", {"code": _wrong(code)}, follow=True) for _ in range(6)]

    assert "you have 4 more tries" in tries[0].content.decode()
    assert "you have 1 more try" in tries[3].content.decode()
    assert {answer.status_code for answer in tries[:5]} == {200}
    last = tries[4].content.decode()
    assert "That code can no longer be used" in last
    assert '<a href="#resend">' in last
    assert tries[5].status_code == 429
    assert "You have tried this code too many times. Send a new code" in tries[5].content.decode()
    # Even the right code is refused now; a new code works.
    assert client.post("/register/code/", {"code": code}, follow=True).status_code == 429
    resend_allowed("012-345 6789")
    assert client.post("/register/code/", {"resend": "1"})["Location"] == "/register/code/"
    new = send_codes()[-1]
    assert client.post("/register/code/", {"code": new})["Location"] == "/register/id/"


def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(
    client: Client, make_slot, send_codes
) -> None:
    make_slot()
    _send(client)
    [code] = send_codes()
    for typed in ("", "12345", "abcdef", "1234567"):
        answer = client.post("/register/code/", {"code": typed}, follow=True)
        assert "Enter the 6-digit code from the SMS we sent you" in answer.content.decode()
    assert client.post("/register/code/", {"code": code})["Location"] == "/register/id/"


def test_a_lapsed_code_says_it_expired_and_a_new_one_works(
    client: Client, make_slot, send_codes, redis_client
) -> None:
    make_slot()
    _send(client)
    [code] = send_codes()
    # Ten minutes later: Redis has let the code go, and the cookie remembers when it was sent.
    redis_client.delete(keys.verification_key("+60123456789"))
    cookie_rewrite(client, sent_at=int(time.time()) - 601)
    lapsed = client.post("/register/code/", {"code": code}, follow=True).content.decode()
    assert "Your code has expired: a code lasts 10 minutes. Send a new code" in lapsed
    resend_allowed("012-345 6789")
    client.post("/register/code/", {"resend": "1"})
    assert client.post("/register/code/", {"code": send_codes()[-1]}).status_code == 303


def test_a_new_code_replaces_the_old_one_and_the_page_says_so_once(
    client: Client, make_slot, send_codes
) -> None:
    make_slot()
    _send(client)
    resend_allowed("012-345 6789")
    assert client.post("/register/code/", {"resend": "1"})["Location"] == "/register/code/"
    old, new = send_codes()
    page = client.get("/register/code/").content.decode()
    assert "We have sent a new code to 012-345 6789" in page
    assert 'role="status"' in page
    assert "We have sent a new code" not in client.get("/register/code/").content.decode()
    refused = client.post("/register/code/", {"code": old}, follow=True)
    assert "That code is not right" in refused.content.decode()
    assert client.post("/register/code/", {"code": new})["Location"] == "/register/id/"


def test_codes_sent_are_limited_and_the_page_says_how_long_to_wait(
    client: Client, make_slot, settings
) -> None:
    make_slot()
    settings.VERIFICATION_SENDS_PER_PHONE = 2
    _send(client)
    resend_allowed("012-345 6789")
    client.post("/register/code/", {"resend": "1"})
    resend_allowed("012-345 6789")
    refused = client.post("/register/code/", {"resend": "1"}, follow=True)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 3500
    assert "You have asked for too many codes. Wait 60 minutes" in refused.content.decode()
    again = client.post("/register/phone/", {"phone": "012-345 6789"}, follow=True)
    assert again.status_code == 429
    assert "Wait 60 minutes, then send a new code" in again.content.decode()


def test_the_details_step_shows_the_verified_phone_instead_of_asking_for_it(
    client: Client, make_slot, walk, person
) -> None:
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat(), until="id")
    page = client.get("/register/details/").content.decode()
    assert 'id="phone"' not in page
    assert "012-345 6789" in page
    assert "Verified" in page
    assert 'href="/register/phone/?change=1"' in page


def test_changing_the_phone_means_verifying_the_new_one(
    client: Client, make_slot, walk, person, send_codes, redis_client
) -> None:
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    check = client.get("/register/check/").content.decode()
    assert 'href="/register/phone/?change=1"' in check
    change = client.get("/register/phone/?change=1").content.decode()
    assert "012-345 6789 is verified" in change
    assert 'href="/register/check/" class="back-link"' in change
    sent = client.post("/register/phone/?change=1", {"phone": "011-2345 6789"})
    assert sent["Location"] == "/register/code/"
    # Until the new number is verified, the old one is still the booking's.
    assert "012-345 6789" in client.get("/register/check/").content.decode()
    verified = client.post("/register/code/", {"code": send_codes()[-1]})
    assert verified["Location"] == "/register/check/"
    assert "011-2345 6789" in client.get("/register/check/").content.decode()
    client.post("/register/check/")
    assert (bookings.read_entry(1) or {}).get("phone") == "+601123456789"


def test_typing_the_verified_number_again_sends_no_code(
    client: Client, make_slot, verify, send_codes
) -> None:
    make_slot()
    verify("012-345 6789")
    again = client.post("/register/phone/", {"phone": "+60 12-345 6789"})
    assert again["Location"] == "/register/id/"
    assert len(send_codes()) == 1


def test_the_booking_is_made_from_the_verified_phone(
    client: Client, make_slot, walk, person
) -> None:
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    booked = client.post("/register/check/")
    assert booked["Location"] == "/register/confirmation/"
    page = client.get("/register/confirmation/").content.decode()
    reference = page.split('class="reference">')[1].split("<")[0]
    assert (bookings.read_entry(number_for(reference) or 0) or {}).get("phone") == "+60123456789"
    assert "the mobile number you verified" in page


def test_a_phone_at_its_limit_is_told_to_use_another_family_members_number(
    client: Client, make_slot, walk, person, settings
) -> None:
    settings.PHONE_BOOKING_LIMIT = 1
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    assert client.post("/register/check/")["Location"] == "/register/confirmation/"
    client.post("/register/start-again/")
    walk(person | {"id_number": mykad()}, location="WTCKL", date=day.isoformat())
    page = error_page(client.post("/register/check/"), status=409)
    assert "This mobile number already holds 1 appointment, the most one number may hold" in page
    assert "another family member&#x27;s mobile number" in page
    assert '<a href="/register/phone/?change=1">' in page


def test_someone_registered_from_another_phone_learns_nothing_more(
    client: Client, make_slot, walk, person
) -> None:
    day = make_slot(location="WTCKL")
    make_slot(location="AXIATA", date=day)
    reference = book_someone(location="AXIATA", date=day, id_number=person["id_number"])
    walk(person, location="WTCKL", date=day.isoformat())
    refused = client.post("/register/check/")
    assert refused["Location"] == "/register/already-registered/"
    page = client.get(refused["Location"]).content.decode()
    assert "This person cannot be booked from this mobile number" in page
    assert reference not in page
    assert "AXIATA" not in page
    assert day.isoformat() not in page


def test_a_person_can_verify_before_registration_opens_and_book_at_noon_without_a_new_code(
    client: Client, make_slot, settings, send_codes, person
) -> None:
    make_slot()
    settings.VERIFICATION_OPENS_AT = PAST
    settings.REGISTRATION_OPENS_AT = FUTURE
    home = client.get("/").content.decode()
    assert "Registration opens at" in home
    assert "Verify your mobile number" in home
    assert client.get("/register/")["Location"] == "/register/phone/"
    assert "Registration opens at" in client.get("/register/phone/").content.decode()
    _send(client)
    verified = client.post("/register/code/", {"code": send_codes()[-1]})
    assert verified["Location"] == "/register/ready/"
    ready = client.get("/register/ready/").content.decode()
    assert "Your mobile number is verified" in ready
    assert "012-345 6789" in ready
    assert "Come back then on this device" in ready
    assert client.get("/register/")["Location"] == "/register/ready/"
    early = client.get("/register/id/")
    assert early.status_code == 403
    assert "Your mobile number 012-345 6789 is verified" in early.content.decode()

    settings.REGISTRATION_OPENS_AT = PAST  # noon
    assert client.get("/register/")["Location"] == "/register/id/"
    assert client.get("/register/ready/")["Location"] == "/register/"
    answered = client.post("/register/id/", {"id_type": "mykad", "id_number": person["id_number"]})
    assert answered["Location"] == "/register/details/"
    assert len(send_codes()) == 1


def test_before_verification_opens_the_phone_step_says_when_it_will(
    client: Client, make_slot, settings
) -> None:
    settings.VERIFICATION_OPENS_AT = FUTURE - datetime.timedelta(days=3)
    settings.REGISTRATION_OPENS_AT = FUTURE
    refused = client.post("/register/phone/", {"phone": "012-345 6789"})
    page = refused.content.decode()
    assert refused.status_code == 403
    assert "Registration has not opened yet" in page
    assert "you can verify your mobile number" in page


def test_a_verified_phone_keeps_the_cookie_past_the_browser_session(
    client: Client, make_slot, verify, settings
) -> None:
    settings.REGISTRATION_CLOSES_AT = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        days=2
    )
    make_slot()
    _send(client)
    assert client.cookies["vaksin_phone"]["max-age"] == ""
    verify("012-345 6789")
    max_age = int(client.cookies["vaksin_phone"]["max-age"])
    assert 2 * 86400 - 60 < max_age <= 2 * 86400
    assert client.cookies["vaksin_phone"]["httponly"]
    assert client.cookies["vaksin_phone"]["path"] == "/register/"
    # The answers are for the browser session only: they hold an ID number and a name.
    assert client.cookies["vaksin_wizard"]["max-age"] == ""


# --- What an attacker can do ------------------------------------------------------------------


def test_a_code_sent_to_another_phone_cannot_verify_mine(
    client: Client, make_slot, send_codes
) -> None:
    make_slot()
    attacker = Client()
    _send(attacker, "011-2345 6789")  # the attacker's own phone
    [own_code] = send_codes()
    _send(attacker, "012-345 6789")  # the victim's phone, whose code goes to the victim
    refused = attacker.post("/register/code/", {"code": own_code}, follow=True)
    assert "That code is not right" in refused.content.decode()
    assert attacker.get("/register/id/")["Location"] == "/register/code/"


def test_a_wizard_that_never_verified_cannot_reach_the_check_page_or_book(
    client: Client, make_slot, person, redis_client
) -> None:
    day = make_slot()
    assert client.post("/register/check/")["Location"] == "/register/phone/"
    # Every answer but a verified phone, as the server itself would have saved them.
    answers = {key: value for key, value in person.items() if key != "phone"}
    answers |= {"state": "MY-14", "location": "WTCKL", "date": day.isoformat()}
    client.post("/register/phone/", {"phone": person["phone"]})  # a code sent, never entered
    cookie_rewrite(client, answers=answers)
    assert client.get("/register/check/")["Location"] == "/register/code/"
    assert client.post("/register/check/")["Location"] == "/register/code/"
    assert redis_client.hget(keys.BOOKED, f"WTCKL|{day.isoformat()}") is None


def test_a_lapsed_verification_books_nothing(client: Client, make_slot, walk, person) -> None:
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    cookie_rewrite(client, phone_until=int(time.time()) - 1)
    assert client.post("/register/check/")["Location"] == "/register/phone/"
