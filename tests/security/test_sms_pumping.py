"""SMS pumping: a script asks for codes to numbers it made up, from many addresses, to run up
the SMS bill (every code is a billed SMS). Before the budgets, 900 distinct valid numbers from 3
addresses got 900 codes in 5.5 s: each test here failed on that code, where every number got
its code."""

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from devstack.sms import sms_lines
from vaksin import sms_budget

GENUINE = "+60198765432"  # a person of another range than the burst's (+6012345...)


def ask(client: Client, phone: str, address: str, **headers: str) -> Any:
    return client.post(
        "/api/verifications",
        json.dumps({"phone": phone}),
        content_type="application/json",
        REMOTE_ADDR=address,
        headers=headers,
    )


def burst(client: Client, phones: list[str]) -> list[Any]:
    """One request per phone, each from an address of its own (no per-address limit helps)."""
    return [ask(client, phone, f"10.{n // 200}.{n % 200}.1") for n, phone in enumerate(phones)]


@pytest.fixture(autouse=True)
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of a test falls in the same minute of the budgets (a run crossing a minute
    would otherwise start a new window)."""
    now = 1_800_000_000 + 30  # half a minute into a minute
    monkeypatch.setattr(sms_budget, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def budgets(settings) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 40
    settings.SMS_BUDGET_CODES_PER_HOUR = 1000
    settings.SMS_BUDGET_CODES_PER_PREFIX_PER_MINUTE = 10
    settings.SMS_BUDGET_CODES_PER_PREFIX_PER_HOUR = 100
    settings.SMS_BUDGET_PREFIX_DIGITS = 3


def test_a_burst_at_one_range_is_stopped_and_a_person_of_another_range_gets_a_code(
    client: Client, budgets: None, send_codes, sms_file
) -> None:
    pumped = [f"+6012345{n:04d}" for n in range(30)]
    answers = burst(client, pumped)
    assert [a.status_code for a in answers] == [202] * 10 + [429] * 20
    refused = answers[-1]
    assert refused["Retry-After"] == "30"  # the rest of this minute
    assert refused.json() == {
        "error": "rate_limited",
        "reason": "sms_budget",
        "message": "There are too many requests right now. Try again in 1 minute",
    }

    assert ask(client, GENUINE, "198.51.100.7").status_code == 202
    send_codes()
    sent_to = [line["to"] for line in sms_lines(sms_file)]
    assert sorted(sent_to) == sorted([*pumped[:10], GENUINE])


def test_a_burst_over_many_ranges_is_stopped_at_the_budget(
    client: Client, budgets: None, send_codes, sms_file
) -> None:
    # Five numbers in each of 12 ranges: no range reaches its own budget, the whole does.
    ranges = [f"+601{digit}{block}" for digit in (2, 3, 4, 6, 7, 9) for block in (234, 567)]
    pumped = [f"{range_}{n:04d}" for n in range(5) for range_ in ranges]
    answers = burst(client, pumped)
    assert sum(a.status_code == 202 for a in answers) == 40
    assert {a.status_code for a in answers} == {202, 429}
    send_codes()
    assert len(sms_lines(sms_file)) == 40


def test_codes_refused_by_a_phone_s_own_limit_do_not_spend_the_budget(
    client: Client, budgets: None
) -> None:
    # A person pressing "send" again within the minute: refused by the phone's cooldown, which
    # gives its send back, so the range's ten codes are still there for others.
    again = [ask(client, "+60123450001", "198.51.100.7").status_code for _ in range(15)]
    assert again == [202] + [429] * 14
    others = burst(client, [f"+6012345{n:04d}" for n in range(100, 109)])
    assert {a.status_code for a in others} == {202}


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ms", "Terlalu banyak permintaan pada masa ini. Cuba lagi dalam 1 minit"),
        ("zh-hans", "目前请求过多。请 1 分钟后再试"),
        ("ta", "இப்போது அதிகமான கோரிக்கைகள் உள்ளன. 1 நிமிடத்தில் மீண்டும் முயலவும்"),
    ],
)
def test_the_refusal_is_said_in_the_language_asked_for(
    client: Client, settings, language: str, said: str
) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 1
    assert ask(client, "+60123450001", "198.51.100.7").status_code == 202
    refused = ask(client, "+60123450002", "198.51.100.8", **{"Accept-Language": language})
    assert refused.status_code == 429
    assert refused.json()["message"] == said


def test_the_wizard_s_phone_step_says_when_to_try_again(client: Client, settings) -> None:
    settings.SMS_BUDGET_CODES_PER_MINUTE = 1
    assert ask(client, "+60123450001", "198.51.100.7").status_code == 202
    page = client.post(
        "/register/phone/", {"phone": "012-345 0002"}, REMOTE_ADDR="198.51.100.8", follow=True
    )
    assert page.redirect_chain == [("/register/phone/", 303)]  # Back never posts it again
    assert page.status_code == 429
    assert 0 < int(page["Retry-After"]) <= 30  # the rest of this minute, as the GET is served
    assert "There are too many requests right now. Try again in 1 minute" in page.content.decode()
    assert 'value="012-345 0002"' in page.content.decode()  # the answer is kept
