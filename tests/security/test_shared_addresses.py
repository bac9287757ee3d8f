"""Limits that fit shared addresses: behind a carrier's NAT or a campus, thousands of people share
one address, and a script's junk there must not refuse a person who proved their phone. Every
invalid body on every public POST is counted against its address, and against its phone where
there is one; a verified phone is judged by its own budget first.

Before the fix: 600 invalid bodies from one address, then a genuine booking from it, got 429 for
59 s; invalid bodies to /api/bookings without a token, /api/verifications and /confirm were not
counted at all (400 or 401 for ever)."""

import json
from typing import Any

import pytest
from django.test import Client

from devstack.people import api_body, bearer, new_phone

NAT = "100.64.7.9"  # a carrier-grade NAT's shared address (RFC 6598)


def _post(client: Client, url: str, body: Any, *, phone: str | None = None) -> Any:
    headers = {"Authorization": bearer(phone)} if phone else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers, REMOTE_ADDR=NAT)


@pytest.fixture
def limits(settings) -> None:
    settings.RATE_LIMIT_PER_IP = 50
    settings.RATE_LIMIT_PER_PHONE = 10


def test_a_person_with_a_verified_phone_books_behind_an_address_full_of_junk(
    client: Client, make_slot, limits
) -> None:
    day = make_slot(capacity=10)
    scripts = [new_phone() for _ in range(6)]
    junk = [
        _post(client, "/api/bookings", api_body(day, name="", phone=script), phone=script)
        for script in scripts
        for _ in range(10)
    ]
    assert {answer.status_code for answer in junk} == {400}
    # The control: the address's own budget is spent, as the person's would have been.
    assert _post(client, "/api/bookings", "{not json").status_code == 429

    person = new_phone()
    booked = _post(client, "/api/bookings", api_body(day, phone=person), phone=person)
    assert booked.status_code == 201, booked.json()


def test_junk_from_a_verified_phone_spends_that_phone_s_budget_not_its_neighbours(
    client: Client, make_slot, limits
) -> None:
    day = make_slot(capacity=10)
    script = new_phone()
    answers = [
        _post(client, "/api/bookings", api_body(day, name="", phone=script), phone=script)
        for _ in range(12)
    ]
    assert [a.status_code for a in answers] == [400] * 10 + [429] * 2
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60

    neighbour = new_phone()
    booked = _post(client, "/api/bookings", api_body(day, phone=neighbour), phone=neighbour)
    assert booked.status_code == 201


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/bookings", {"id_type": "mykad"}),  # no token
        ("/api/verifications", {"phone": "not a phone"}),
        ("/api/verifications", "[1, 2"),
        ("/api/verifications/confirm", {"phone": "012-345 6789", "code": "12"}),
        ("/api/verifications/confirm", "{}"),
    ],
)
def test_every_public_post_counts_invalid_bodies_against_the_address(
    client: Client, db: None, limits, url: str, body: Any
) -> None:
    statuses = [_post(client, url, body).status_code for _ in range(52)]
    assert set(statuses[:50]) <= {400, 401}
    assert statuses[50:] == [429, 429]


def test_a_phones_own_booking_attempts_are_limited_per_phone(
    client: Client, make_slot, limits
) -> None:
    """Valid attempts too: a phone retrying a full date faster than a person would."""
    day = make_slot(capacity=0)
    phone = new_phone()
    statuses = [
        _post(client, "/api/bookings", api_body(day, phone=phone), phone=phone).status_code
        for _ in range(11)
    ]
    assert statuses == [409] * 10 + [429]
