"""POST /api/bookings against every row of docs/api.md's table (3.6), and the inputs that must
not be 5xx."""

import contextlib
import datetime
import ipaddress
import json
from typing import Any

import pytest
from django.test import Client

from devstack.people import api_body, bearer, new_phone
from vaksin.validation import FieldError


def _post(client: Client, body: Any, **headers: str) -> Any:
    """Posts a booking, from the body's phone verified unless the headers say otherwise."""
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    if isinstance(body, dict) and isinstance(body.get("phone"), str):
        with contextlib.suppress(FieldError):  # a test of a bad phone: verified is another
            headers.setdefault("Authorization", bearer(body["phone"]))
    headers.setdefault("Authorization", bearer(new_phone()))
    return client.post("/api/bookings", data, content_type="application/json", headers=headers)


def test_a_booking_answers_201_with_the_confirmation(client: Client, make_slot) -> None:
    day = make_slot(capacity=3)
    response = _post(client, api_body(day))
    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {
        "reference", "location", "date", "arrival_window", "status", "second_dose"
    }  # fmt: skip
    assert answer["location"] == "WTCKL"
    assert answer["date"] == day.isoformat()
    assert answer["status"] == "confirmed"
    assert answer["arrival_window"] == "09:00-09:30"
    # The second dose: the same centre, the earliest date of DOSE_INTERVAL_DAYS (56-84) with a
    # place, which the slot's automatic allocation puts on the 56th day.
    assert answer["second_dose"] == {
        "location": "WTCKL",
        "date": (day + datetime.timedelta(days=56)).isoformat(),
        "arrival_window": "09:00-09:30",
    }
    assert response["Cache-Control"] == "no-store"


def test_the_same_booking_again_answers_200_with_the_sameapi_body(client: Client, make_slot):
    day = make_slot(capacity=3)
    body = api_body(day)
    first = _post(client, body)
    again = _post(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


def test_bad_input_answers_400_with_a_message_per_field(client: Client, make_slot):
    day = make_slot()
    response = _post(
        client, api_body(day, id_number="900230-14-5555", phone="03-2161 2345", name="", email="x@")
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid"
    assert set(answer["fields"]) == {"id_number", "phone", "name", "email"}
    assert all(
        isinstance(message, str) for messages in answer["fields"].values() for message in messages
    )
    assert answer["fields"]["name"] == ["Enter your full name"]


def test_field_messages_follow_accept_language(client: Client, make_slot):
    day = make_slot()
    response = _post(client, api_body(day, name=""), **{"Accept-Language": "ms"})
    assert response.json()["fields"]["name"] == ["Masukkan nama penuh anda"]


def test_an_unknown_centre_or_date_answers_404(client: Client, make_slot):
    day = make_slot()
    assert _post(client, api_body(day, location="NOWHERE")).json() == {"error": "unknown_slot"}
    missing_day = _post(client, api_body(day + datetime.timedelta(days=30)))
    assert missing_day.status_code == 404
    assert missing_day.json() == {"error": "unknown_slot"}


def test_a_full_slot_answers_409_sold_out_with_alternatives(client: Client, make_slot):
    day = make_slot(location="WTCKL", capacity=1)
    make_slot(location="WTCKL", capacity=4, date=day + datetime.timedelta(days=1))
    make_slot(location="AXIATA", capacity=2, date=day)
    make_slot(location="KOTA", capacity=2, date=day, state="MY-12")  # another state: not offered
    assert _post(client, api_body(day)).status_code == 201
    response = _post(client, api_body(day))
    assert response.status_code == 409
    assert response.json() == {
        "error": "sold_out",
        "alternatives": [
            {"location": "AXIATA", "date": day.isoformat(), "available": 2},
            {
                "location": "WTCKL",
                "date": (day + datetime.timedelta(days=1)).isoformat(),
                "available": 4,
            },
        ],
    }


def test_someone_holding_another_booking_answers_409_already_registered_and_nothing_else(
    client: Client, make_slot
):
    day = make_slot(location="WTCKL")
    make_slot(location="AXIATA", date=day)
    body = api_body(day)
    assert _post(client, body).status_code == 201
    response = _post(client, body | {"location": "AXIATA"})
    assert response.status_code == 409
    assert response.json() == {"error": "already_registered"}


def test_outside_the_window_answers_403_closed(client: Client, settings, make_slot):
    day = make_slot()
    settings.REGISTRATION_CLOSES_AT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    response = _post(client, api_body(day))
    assert response.status_code == 403
    assert response.json() == {"error": "closed"}
    settings.REGISTRATION_CLOSES_AT = None
    settings.REGISTRATION_OPENS_AT = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)
    assert _post(client, "not even json").json() == {"error": "closed"}


def test_too_many_attempts_for_one_id_number_answer_429_with_retry_after(
    client: Client, settings, make_slot
):
    settings.RATE_LIMIT_PER_ID = 2
    day = make_slot()
    body = api_body(day)
    statuses = [_post(client, body).status_code for _ in range(3)]
    assert statuses == [201, 200, 429]
    response = _post(client, body)
    assert response.json() == {"error": "rate_limited"}
    assert 1 <= int(response["Retry-After"]) <= 60


def test_too_many_attempts_from_one_phone_answer_429(client: Client, settings, make_slot):
    settings.RATE_LIMIT_PER_PHONE = 2
    day = make_slot(capacity=10)
    phone = new_phone()
    statuses = [_post(client, api_body(day, phone=phone)).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_the_address_comes_from_the_trusted_proxy_header_right_most_entry(
    client: Client, settings, db
):
    """Through the verifications a request without a verified phone starts with: the address
    is what limits them."""
    settings.RATE_LIMIT_PER_IP = 1
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.0/8")]

    def ask(forwarded: str) -> int:
        body = json.dumps({"phone": new_phone()})
        return client.post(
            "/api/verifications", body, content_type="application/json",
            headers={"X-Forwarded-For": forwarded},
        ).status_code  # fmt: skip

    assert [ask(f"10.0.0.{n}, 198.51.100.7") for n in range(2)] == [202, 429]
    assert ask("198.51.100.8") == 202


def test_a_limit_of_zero_turns_the_phone_limit_off(client: Client, settings, make_slot):
    settings.RATE_LIMIT_PER_PHONE = 0
    settings.PHONE_BOOKING_LIMIT = 100
    day = make_slot(capacity=40)
    phone = new_phone()
    assert {_post(client, api_body(day, phone=phone)).status_code for _ in range(35)} == {201}


def test_an_unreachable_redis_answers_503_with_retry_after(
    client: Client, make_slot, tomorrow, settings
):
    body = api_body(tomorrow)
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = _post(client, body)
    assert response.status_code == 503
    assert response.json() == {"error": "unavailable"}
    assert int(response["Retry-After"]) > 0


def test_an_idempotency_key_replays_the_first_answer(client: Client, make_slot):
    day = make_slot()
    body = api_body(day)
    first = _post(client, body, **{"Idempotency-Key": "retry-1"})
    again = _post(client, body, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


def test_an_idempotency_key_reused_for_another_booking_answers_422(client: Client, make_slot):
    day = make_slot()
    phone = new_phone()
    first = _post(client, api_body(day, phone=phone), **{"Idempotency-Key": "k-1"})
    response = _post(client, api_body(day, phone=phone), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert response.status_code == 422
    assert response.json() == {"error": "idempotency_key_reused"}


def test_nobody_can_use_up_another_callers_idempotency_key(client: Client, make_slot):
    """Keys are scoped to the verified phone: an attacker's earlier use of a partner's key
    does not refuse the partner."""
    day = make_slot()
    assert _post(client, api_body(day), **{"Idempotency-Key": "partner-7"}).status_code == 201
    assert _post(client, api_body(day), **{"Idempotency-Key": "partner-7"}).status_code == 201


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "{",
        "null",
        "[]",
        '"text"',
        "12",
        b"\xff\xfe\x00",
        "[" * 50_000 + "]" * 50_000,
        '{"id_type": ["mykad"], "id_number": 900101145555, "name": {"a": 1}, "phone": true}',
        '{"id_type": "mykad", "name": "\\ud800", "phone": "\\u0000", "location": "\\u0130"}',
    ],
)
def test_malformed_bodies_answer_4xx_never_5xx(client: Client, make_slot, raw) -> None:
    make_slot()
    response = _post(client, raw)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_a_huge_body_answers_413(client: Client, make_slot):
    make_slot()
    response = _post(client, json.dumps({"name": "x" * 100_000}))
    assert response.status_code == 413
    assert response.json() == {"error": "too_large"}


def test_an_over_long_idempotency_key_answers_400(client: Client, make_slot, tomorrow):
    response = _post(client, api_body(tomorrow), **{"Idempotency-Key": "k" * 300})
    assert response.status_code == 400
    assert "idempotency_key" in response.json()["fields"]


def test_other_methods_answer_405_in_json(client: Client):
    response = client.get("/api/bookings")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert client.get("/api/nothing").json() == {"error": "not_found"}


def test_the_api_needs_no_csrf_token(make_slot):
    day = make_slot()
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, api_body(day)).status_code == 201
