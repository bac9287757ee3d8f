"""POST /api/verifications and /api/verifications/confirm, and what the token lets a phone do."""

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from devstack.people import api_body, bearer, new_phone
from phones.services import phone_token
from tests.codes import resend_allowed
from vaksin.store import keys


def _post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _verify(client: Client, phone: str, send_codes) -> str:
    assert _post(client, "/api/verifications", {"phone": phone}).status_code == 202
    code = send_codes()[-1]
    answer = _post(client, "/api/verifications/confirm", {"phone": phone, "code": code})
    assert answer.status_code == 200
    return str(answer.json()["token"])


def test_a_code_by_sms_gives_a_token_that_books(client: Client, make_slot, send_codes) -> None:
    day = make_slot()
    phone = "012-555 0101"

    sent = _post(client, "/api/verifications", {"phone": phone})
    assert (sent.status_code, sent.json()) == (202, {"expires_in": 600})
    [code] = send_codes()
    confirmed = _post(client, "/api/verifications/confirm", {"phone": phone, "code": code})
    assert confirmed.status_code == 200
    assert set(confirmed.json()) == {"token", "expires_at"}

    token = confirmed.json()["token"]
    booked = _post(
        client, "/api/bookings", api_body(day, phone=phone), Authorization=f"Bearer {token}"
    )
    assert booked.status_code == 201


def test_the_sms_speaks_the_language_asked_for(client: Client, send_codes, sms_file) -> None:
    _post(client, "/api/verifications", {"phone": "0125550102"}, **{"Accept-Language": "ms"})
    send_codes()
    assert "kod anda ialah" in sms_file.read_text()


def test_a_booking_may_leave_out_the_verified_phone(client: Client, make_slot) -> None:
    day = make_slot()
    phone = new_phone()
    body = {k: v for k, v in api_body(day).items() if k != "phone"}
    assert _post(client, "/api/bookings", body, Authorization=bearer(phone)).status_code == 201


def test_a_wrong_code_says_how_many_tries_are_left_then_429(client: Client, send_codes) -> None:
    phone = "+60125550103"
    _post(client, "/api/verifications", {"phone": phone})
    [code] = send_codes()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answers = [
        _post(client, "/api/verifications/confirm", {"phone": phone, "code": wrong})
        for _ in range(6)
    ]

    assert [a.json().get("attempts_left") for a in answers[:5]] == [4, 3, 2, 1, 0]
    assert {a.status_code for a in answers[:5]} == {400}
    assert answers[5].status_code == 429 and int(answers[5]["Retry-After"]) > 0
    # Even the right code is refused once the tries are used up.
    right = _post(client, "/api/verifications/confirm", {"phone": phone, "code": code})
    assert right.status_code == 429


def test_a_code_works_once(client: Client, send_codes) -> None:
    phone = "+60125550104"
    _post(client, "/api/verifications", {"phone": phone})
    [code] = send_codes()
    body = {"phone": phone, "code": code}
    assert _post(client, "/api/verifications/confirm", body).status_code == 200
    assert _post(client, "/api/verifications/confirm", body).json()["error"] == "invalid_code"


def test_a_new_code_replaces_the_last(client: Client, send_codes) -> None:
    phone = "+60125550105"
    _post(client, "/api/verifications", {"phone": phone})
    resend_allowed(phone)
    _post(client, "/api/verifications", {"phone": phone})
    first, second = send_codes()
    if first != second:
        old = _post(client, "/api/verifications/confirm", {"phone": phone, "code": first})
        assert old.status_code == 400
    latest = _post(client, "/api/verifications/confirm", {"phone": phone, "code": second})
    assert latest.status_code == 200


def test_codes_are_stored_only_as_hashes(client: Client, send_codes, redis_client) -> None:
    _post(client, "/api/verifications", {"phone": "+60125550106"})
    [code] = send_codes()
    for key in redis_client.scan_iter("*"):
        kind = redis_client.type(key)
        dumped = redis_client.dump(key) or b""
        assert code.encode() not in dumped, (key, kind)


@pytest.mark.parametrize("phone", ["", "03-2161 2345", "+65 8123 4567", "hello", None, 12345])
def test_a_phone_that_is_not_a_malaysian_mobile_answers_400(client: Client, phone) -> None:
    answer = _post(client, "/api/verifications", {"phone": phone})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid"
    assert "phone" in answer.json()["fields"]


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None, ["123456"]])
def test_a_malformed_code_answers_400(client: Client, code) -> None:
    answer = _post(client, "/api/verifications/confirm", {"phone": "0125550107", "code": code})
    assert answer.status_code == 400
    assert answer.json()["fields"]["code"]


def test_resends_are_limited_per_phone_and_address(client: Client, settings) -> None:
    settings.VERIFICATION_SENDS_PER_PHONE = 3
    answers = []
    for _ in range(4):
        answers.append(_post(client, "/api/verifications", {"phone": "0125550108"}))
        resend_allowed("0125550108")
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert int(answers[3]["Retry-After"]) > 0


def test_a_new_code_waits_a_minute_after_the_last(client: Client) -> None:
    first = _post(client, "/api/verifications", {"phone": "0125550111"})
    again = _post(client, "/api/verifications", {"phone": "0125550111"})
    assert (first.status_code, again.status_code) == (202, 429)
    assert 0 < int(again["Retry-After"]) <= 60


def test_resends_are_limited_per_client_address(client: Client, settings) -> None:
    settings.RATE_LIMIT_PER_IP = 3
    answers = [_post(client, "/api/verifications", {"phone": new_phone()}) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]


def test_verification_is_closed_before_it_opens(client: Client, settings) -> None:
    settings.VERIFICATION_OPENS_AT = timezone.now() + datetime.timedelta(days=1)
    answer = _post(client, "/api/verifications", {"phone": "0125550109"})
    assert (answer.status_code, answer.json()) == (403, {"error": "closed"})


def test_verification_opens_days_before_registration(client: Client, settings) -> None:
    settings.REGISTRATION_OPENS_AT = timezone.now() + datetime.timedelta(days=2)
    settings.VERIFICATION_OPENS_AT = timezone.now() - datetime.timedelta(days=1)
    assert _post(client, "/api/verifications", {"phone": "0125550110"}).status_code == 202


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer not-a-token", "Basic abc", "Bearer " + "x" * 5000],
)
def test_a_booking_without_a_valid_token_answers_401(client: Client, make_slot, authorization):
    day = make_slot()
    headers = {"Authorization": authorization} if authorization else {}
    answer = _post(client, "/api/bookings", api_body(day), **headers)
    assert (answer.status_code, answer.json()) == (401, {"error": "phone_unverified"})


def test_a_token_lapses(client: Client, make_slot) -> None:
    day = make_slot()
    phone = new_phone()
    old = phone_token(phone, now=timezone.now() - datetime.timedelta(days=30)).token
    answer = _post(
        client, "/api/bookings", api_body(day, phone=phone), Authorization=f"Bearer {old}"
    )
    assert answer.status_code == 401


def test_a_token_lasts_until_registration_closes(settings) -> None:
    closes = timezone.now() + datetime.timedelta(days=3)
    settings.REGISTRATION_CLOSES_AT = closes
    assert phone_token("+60125550111").expires_at == closes


def test_the_phone_in_a_booking_must_be_the_verified_one(client: Client, make_slot) -> None:
    day = make_slot()
    answer = _post(
        client, "/api/bookings", api_body(day, phone=new_phone()), Authorization=bearer(new_phone())
    )
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["phone"]


def test_a_phone_holds_at_most_its_limit_of_bookings(client: Client, make_slot, settings) -> None:
    settings.PHONE_BOOKING_LIMIT = 2
    day = make_slot()
    phone = new_phone()
    answers = [
        _post(client, "/api/bookings", api_body(day, phone=phone), Authorization=bearer(phone))
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 409]
    assert answers[2].json() == {"error": "phone_limit"}


def test_a_cancelled_booking_gives_its_phone_a_place_back(
    client: Client, make_slot, settings, redis_client
) -> None:
    from registration.services import booking_cancel

    settings.PHONE_BOOKING_LIMIT = 1
    day = make_slot()
    phone = new_phone()
    first = _post(client, "/api/bookings", api_body(day, phone=phone), Authorization=bearer(phone))
    assert booking_cancel(reference=first.json()["reference"], by="test")
    again = _post(client, "/api/bookings", api_body(day, phone=phone), Authorization=bearer(phone))
    assert again.status_code == 201
    bucket, field = keys.phone_key(phone)
    assert redis_client.hget(bucket, field) == "1"


def test_verification_survives_garbage(client: Client) -> None:
    for path in ("/api/verifications", "/api/verifications/confirm"):
        for raw in ("", "{", "[]", '"x"', "null", "{" * 10_000):
            answer = client.post(path, raw, content_type="application/json")
            assert answer.status_code == 400
        assert client.get(path).status_code == 405
