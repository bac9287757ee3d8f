"""A stranger who knows your phone number and wants you out: before these fixes, five code
requests from anywhere spent your phone's hour, five wrong codes from anywhere burnt your code,
and the answer told whether a code was pending (each test below failed on that code)."""

import json
from typing import Any

from django.test import Client

from tests.codes import resend_allowed

VICTIM = "012-555 0199"


def post(client: Client, path: str, body: dict[str, Any], address: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", REMOTE_ADDR=address)


def ask(client: Client, address: str, phone: str = VICTIM) -> int:
    resend_allowed(phone)  # each a minute after the last: the hourly budgets are what is tested
    return post(client, "/api/verifications", {"phone": phone}, address).status_code


def test_a_stranger_cannot_spend_a_phones_hourly_budget(client: Client) -> None:
    assert [ask(client, "203.0.113.9") for _ in range(6)] == [202] * 5 + [429]
    assert ask(client, "198.51.100.7") == 202  # the owner, from their own network


def test_a_flood_at_one_phone_reaches_its_ceiling_and_operators_hear_of_it(
    client: Client, settings, db: None
) -> None:
    from tests.operations.metrics_text import TOKEN, sample, scrape

    settings.VERIFICATION_PHONE_CEILING = 3
    settings.METRICS_TOKEN = TOKEN
    answers = [ask(client, f"203.0.113.{n}") for n in range(4)]
    assert answers == [202, 202, 202, 429]
    assert sample(scrape(client), "vaksin_codes_total", outcome="phone_ceiling") == 1


def test_wrong_codes_from_one_address_do_not_burn_the_code_for_another(
    client: Client, send_codes
) -> None:
    assert ask(client, "198.51.100.7") == 202
    [code] = send_codes()
    wrong = "000000" if code != "000000" else "111111"
    guesses = [
        post(client, "/api/verifications/confirm", {"phone": VICTIM, "code": wrong}, "203.0.113.9")
        for _ in range(6)
    ]
    assert [g.status_code for g in guesses] == [400] * 5 + [429]
    mine = post(
        client, "/api/verifications/confirm", {"phone": VICTIM, "code": code}, "198.51.100.7"
    )
    assert mine.status_code == 200


def test_the_answer_does_not_tell_whether_a_code_is_pending(client: Client, send_codes) -> None:
    pending, idle = "012-555 0101", "012-555 0102"
    assert ask(client, "198.51.100.7", pending) == 202
    [code] = send_codes()
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        post(client, "/api/verifications/confirm", {"phone": phone, "code": wrong}, "203.0.113.9")
        for phone in (pending, idle)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json() == {"error": "invalid_code", "attempts_left": 4}


def test_a_guess_spread_over_many_addresses_spends_the_code(
    client: Client, send_codes, settings
) -> None:
    settings.VERIFICATION_CODE_TRIES = 10
    assert ask(client, "198.51.100.7") == 202
    [code] = send_codes()
    wrong = "000000" if code != "000000" else "111111"
    for n in range(9):
        post(client, "/api/verifications/confirm", {"phone": VICTIM, "code": wrong}, f"10.9.{n}.1")
    # The control: nine wrong guesses in all leave the code standing.
    kept = post(client, "/api/verifications/confirm", {"phone": VICTIM, "code": code}, "10.9.99.1")
    assert kept.status_code == 200
    assert ask(client, "198.51.100.7") == 202
    [code] = send_codes()[-1:]
    for n in range(10):
        post(client, "/api/verifications/confirm", {"phone": VICTIM, "code": wrong}, f"10.8.{n}.1")
    spent = post(client, "/api/verifications/confirm", {"phone": VICTIM, "code": code}, "10.8.99.1")
    assert spent.status_code in (400, 429)
