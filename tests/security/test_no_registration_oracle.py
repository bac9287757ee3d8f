"""A phone learns nothing about people it does not hold bookings for, and one person holds one
booking whatever document they type their number into. Both failed before their fix: a phone at
its limit was told `already_registered` for a registered ID and `phone_limit` for another, and a
MyKad with a letter before it booked as a passport."""

import json
from typing import Any

from django.test import Client

from devstack.people import api_body, bearer, mykad, new_phone

BORN = "1985-04-12"  # a passport holder gives their date of birth


def _book(client: Client, body: dict[str, Any], *, phone: str) -> Any:
    return client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": bearer(phone)},
    )


def test_a_phone_at_its_limit_gets_the_same_answer_for_registered_and_unregistered_people(
    client: Client, make_slot, settings
) -> None:
    settings.PHONE_BOOKING_LIMIT = 4
    day = make_slot(capacity=20)
    registered = mykad()
    someone = new_phone()
    first = _book(client, api_body(day, id_number=registered, phone=someone), phone=someone)
    assert first.status_code == 201
    prober = new_phone()
    for _ in range(4):
        assert _book(client, api_body(day, phone=prober), phone=prober).status_code == 201

    about_registered = _book(
        client, api_body(day, id_number=registered, phone=prober), phone=prober
    )
    about_unregistered = _book(client, api_body(day, phone=prober), phone=prober)

    assert (about_registered.status_code, about_registered.json()) == (
        about_unregistered.status_code,
        about_unregistered.json(),
    )
    assert about_registered.json() == {"error": "phone_limit"}


def test_a_phone_below_its_limit_is_told_only_that_the_person_cannot_be_booked_from_it(
    client: Client, make_slot
) -> None:
    day = make_slot(capacity=20)
    registered = mykad()
    someone = new_phone()
    _book(client, api_body(day, id_number=registered, phone=someone), phone=someone)
    other = new_phone()
    answer = _book(client, api_body(day, id_number=registered, phone=other), phone=other)
    assert (answer.status_code, answer.json()) == (409, {"error": "already_registered"})
    assert answer.headers.get("Location") is None


def test_a_mykad_wrapped_in_letters_is_refused_as_a_passport(client: Client, make_slot) -> None:
    day = make_slot(capacity=20)
    person = mykad()
    own = new_phone()
    assert _book(client, api_body(day, id_number=person, phone=own), phone=own).status_code == 201
    for typed in (f"A{person}", f"AB{person}", f"{person}X", f"K{person}Z"):
        other = new_phone()
        body = api_body(day, id_type="passport", id_number=typed, phone=other, birth_date=BORN)
        answer = _book(client, body, phone=other)
        assert answer.status_code == 400, typed
        [said] = answer.json()["fields"]["id_number"]
        assert said.startswith("This is a MyKad number"), answer.json()


def test_a_real_passport_with_many_digits_still_books(client: Client, make_slot) -> None:
    """The control: only a MyKad's 12 digits with a letter or two around them are refused."""
    day = make_slot(capacity=20)
    for typed in ("A12345678", "K1234567890123", "X8504121456710"):
        phone = new_phone()
        body = api_body(day, id_type="passport", id_number=typed, phone=phone, birth_date=BORN)
        assert _book(client, body, phone=phone).status_code == 201, typed
