"""What a script with generated ID numbers, many addresses and one phone can do, and what someone
who knows another person's ID number can do. Each attack has a control that shows the test
would see the hole if the protection were not there."""

import datetime
import json
from typing import Any

import pytest
from django.test import Client

from devstack.people import api_body, bearer, mykad, new_phone


def _book(client: Client, body: dict[str, Any], *, phone: str, address: str = "127.0.0.1") -> Any:
    return client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": bearer(phone)},
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize("limit, booked", [(4, 4), (1_000_000, 60)])
def test_generated_ids_from_60_addresses_on_one_phone_book_only_the_phones_limit(
    client: Client, make_slot, settings, limit: int, booked: int
) -> None:
    """The second case is the control: without a phone limit the same script books all 60."""
    settings.PHONE_BOOKING_LIMIT = limit
    settings.RATE_LIMIT_PER_PHONE = 0  # the bookings a phone holds, not its attempts a minute
    day = make_slot(capacity=100)
    phone = new_phone()

    answers = [
        _book(client, api_body(day, phone=phone), phone=phone, address=f"198.51.100.{i}")
        for i in range(60)
    ]

    assert sum(a.status_code == 201 for a in answers) == booked
    assert {a.json()["error"] for a in answers if a.status_code != 201} <= {"phone_limit"}


def test_a_victims_id_tried_100_times_from_another_phone_does_not_lock_the_victim_out(
    client: Client, make_slot, settings
) -> None:
    settings.RATE_LIMIT_PER_ID = 20
    day = make_slot(capacity=10)
    victim = mykad()
    attacker = new_phone()
    wrong_centre = api_body(day, id_number=victim, phone=attacker, location="NOWHERE")

    attempts = [_book(client, wrong_centre, phone=attacker).status_code for _ in range(100)]
    mine = new_phone()
    victims_own = _book(client, api_body(day, id_number=victim, phone=mine), phone=mine)

    # Control: the attacker was limited, so the limit was there to lock someone out.
    assert 429 in attempts
    assert victims_own.status_code == 201


def test_a_repeat_from_another_phone_reveals_no_reference(client: Client, make_slot) -> None:
    day = make_slot()
    victim_phone, attacker = new_phone(), new_phone()
    body = api_body(day, phone=victim_phone)
    first = _book(client, body, phone=victim_phone)

    stolen = _book(client, body | {"phone": attacker}, phone=attacker)
    own = _book(client, body, phone=victim_phone)

    assert (stolen.status_code, stolen.json()) == (409, {"error": "already_registered"})
    # Control: the same repeat from the phone it was booked with shows the booking.
    assert (own.status_code, own.json()) == (200, first.json())


def test_whether_someone_is_registered_does_not_show_through_an_unknown_slot(
    client: Client, make_slot
) -> None:
    day = make_slot()
    registered = api_body(day)
    _book(client, registered, phone=registered["phone"])
    attacker = new_phone()

    known = _book(client, registered | {"phone": attacker, "location": "NOWHERE"}, phone=attacker)
    unknown = _book(client, api_body(day, phone=attacker, location="NOWHERE"), phone=attacker)

    assert known.status_code == unknown.status_code == 404
    assert known.json() == unknown.json() == {"error": "unknown_slot"}


def test_whether_someone_is_registered_does_not_show_through_a_full_slot(
    client: Client, make_slot
) -> None:
    day = make_slot(capacity=1)
    registered = api_body(day)
    _book(client, registered, phone=registered["phone"])
    attacker = new_phone()

    known = _book(client, registered | {"phone": attacker}, phone=attacker)
    unknown = _book(client, api_body(day, phone=attacker), phone=attacker)

    assert known.json() == unknown.json() == {"error": "sold_out", "alternatives": []}


def test_a_mykad_number_typed_as_a_passport_is_refused(client: Client, make_slot) -> None:
    day = make_slot()
    number = mykad()
    as_mykad = api_body(day, id_number=number)
    as_passport = api_body(day, id_type="passport", id_number=number, birth_date="1990-01-01")

    refused = _book(client, as_passport, phone=as_passport["phone"])
    booked = _book(client, as_mykad, phone=as_mykad["phone"])
    passport = api_body(day, id_type="passport", id_number="A12345678", birth_date="1990-01-01")

    assert refused.status_code == 400
    assert "MyKad" in refused.json()["fields"]["id_number"][0]
    # Controls: the same digits as a MyKad, and a real passport number, book.
    assert booked.status_code == 201
    assert _book(client, passport, phone=passport["phone"]).status_code == 201


def test_a_passport_booking_needs_a_date_of_birth_and_an_adult(client: Client, make_slot) -> None:
    day = make_slot()
    child = (datetime.date.today() - datetime.timedelta(days=365 * 10)).isoformat()

    missing = api_body(day, id_type="passport", id_number="B1234567")
    young = api_body(day, id_type="passport", id_number="B7654321", birth_date=child)

    assert _book(client, missing, phone=missing["phone"]).json()["fields"] == {
        "birth_date": ["Enter your date of birth"]
    }
    assert list(_book(client, young, phone=young["phone"]).json()["fields"]) == ["birth_date"]


@pytest.mark.parametrize("addresses, limited", [(1, True), (60, False)])
def test_invalid_requests_count_against_their_address(
    client: Client, make_slot, settings, addresses: int, limited: bool
) -> None:
    """The second case is the control: the same invalid requests spread over 60 addresses.
    Without a verified phone, the address is all there is to count against (with one, its phone
    is: tests/security/test_shared_addresses.py)."""
    settings.RATE_LIMIT_PER_IP = 50
    answers = [
        client.post("/api/bookings", "{", content_type="application/json",
                    REMOTE_ADDR=f"203.0.113.{i}")
        for i in (range(60) if addresses == 60 else [7] * 60)
    ]  # fmt: skip
    assert (429 in {a.status_code for a in answers}) is limited


def test_addresses_of_one_ipv6_64_share_one_limit(client: Client, settings, db) -> None:
    settings.RATE_LIMIT_PER_IP = 10
    answers = [
        client.post("/api/verifications", {"phone": "not a phone"},
                    content_type="application/json", REMOTE_ADDR=f"2001:db8:1:2::{i:x}")
        for i in range(12)
    ]  # fmt: skip
    assert answers[-1].status_code == 429
