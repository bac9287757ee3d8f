"""The attacker at noon against the waiting room: a script with many tabs, addresses and
generated ID numbers, one phone, and made-up passes. One phone is one place in the queue,
and nothing but the phone's own admitted ticket lets a booking through."""

import json
import time
from typing import Any

from django.test import Client

from devstack.people import api_body, bearer, new_phone
from devstack.processes import wait_until
from vaksin.store import client as redis_client
from vaksin.store import keys


def book(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": bearer(body["phone"]), **headers},
    )


def test_many_addresses_of_one_phone_hold_one_ticket(client: Client, room) -> None:
    room(opens_in=3600)
    phone = new_phone()
    tickets = {
        client.post(
            "/api/queue", headers={"Authorization": bearer(phone)}, REMOTE_ADDR=f"10.0.{i}.1"
        ).json()["ticket"]
        for i in range(30)
    }
    assert tickets == {1}


def test_made_up_passes_and_headers_book_nothing(client: Client, room, make_slot) -> None:
    day = make_slot(capacity=10)
    room(opens_in=-1)
    body = api_body(day) | {"pass": "admitted", "ticket": 1, "position": 1}
    refused = book(client, body, **{"X-Admission": "1", "Idempotency-Key": "k1"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_admitted"
    # Another phone's admission is not this phone's.
    admitted = new_phone()
    client.post("/api/queue", headers={"Authorization": bearer(admitted)})
    time.sleep(0.2)
    assert book(client, api_body(day)).json()["error"] == "not_admitted"
    assert redis_client().hget(keys.BOOKED, f"WTCKL|{day}") is None


def test_an_admitted_phone_books_a_family_not_a_crowd(client: Client, room, make_slot) -> None:
    """Generated ID numbers behind one admitted phone: PHONE_BOOKING_LIMIT places, no more."""
    day = make_slot(capacity=100)
    room(opens_in=-1)
    phone = new_phone()
    client.post("/api/queue", headers={"Authorization": bearer(phone)})
    assert wait_until(
        lambda: client.post("/api/queue", headers={"Authorization": bearer(phone)}).json()[
            "admitted"
        ],
        seconds=5,
    )
    answers = [book(client, api_body(day, phone=phone)).status_code for _ in range(8)]
    assert answers == [201] * 4 + [409] * 4


def test_polling_with_made_up_query_strings_shares_one_copy(client: Client, room) -> None:
    room(opens_in=-1)
    bodies = {client.get(f"/api/queue?bust={i}").content for i in range(20)}
    assert len(bodies) <= 2  # one copy a second: at most one renewal while the loop runs
