"""The wizard's cookies carry an ID number, a name and a verified phone: nobody who holds them can
read them, and nobody can make one that the server takes. Each attack has a control that shows
the test would see the hole: the same payload merely signed, or encrypted with the real key."""

import base64
import binascii
import json
import re
import time
from typing import Any

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.core import signing
from django.test import Client

from phones.browser import COOKIE as PHONE_COOKIE
from tests.wizard_cookies import cookie_payload, phone_payload
from vaksin.cookies import cipher
from wizard.state import COOKIE, MAX_AGE


def _readable(cookie: str) -> bytes:
    """The cookie as anyone can read it: as it is, and each base64-looking piece decoded."""
    found = [cookie.encode()]
    for piece in re.split(r"[.:]", cookie):
        try:
            found.append(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
        except (binascii.Error, ValueError):
            continue
    return b"\n".join(found)


def _secrets(person: dict[str, str]) -> list[str]:
    return [person["id_number"], person["name"], "Aisyah", "+60123456789", "123456789"]


def _walked(client: Client, walk, make_slot, person) -> dict[str, Any]:
    """Walks the wizard to the check page; returns what its cookies hold, by cookie name."""
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    assert client.get("/register/check/").status_code == 200
    return {COOKIE.name: cookie_payload(client), PHONE_COOKIE.name: phone_payload(client)}


@pytest.mark.parametrize("made", ["encrypted", "signed (the control)"])
def test_the_cookie_shows_no_id_number_name_or_phone(
    client: Client, make_slot, walk, person, made: str
) -> None:
    payloads = _walked(client, walk, make_slot, person)
    if made == "encrypted":
        cookies = [client.cookies[name].value for name in payloads]
    else:
        cookies = [signing.dumps(payload, salt="wizard.state") for payload in payloads.values()]
    readable = b"\n".join(_readable(cookie) for cookie in cookies)
    shown = [secret for secret in _secrets(person) if secret.encode() in readable]
    assert shown == ([] if made == "encrypted" else _secrets(person))


@pytest.mark.parametrize(
    ("name", "back_to"), [(COOKIE.name, "/register/id/"), (PHONE_COOKIE.name, "/register/phone/")]
)
def test_a_cookie_changed_anywhere_reads_as_none(
    client: Client, make_slot, walk, person, name: str, back_to: str
) -> None:
    _walked(client, walk, make_slot, person)
    cookie = client.cookies[name].value
    for at in range(0, len(cookie), 7):
        flipped = "A" if cookie[at] != "A" else "B"
        client.cookies[name] = cookie[:at] + flipped + cookie[at + 1 :]
        assert client.get("/register/check/")["Location"] == back_to, at
    client.cookies[name] = cookie  # the control
    assert client.get("/register/check/").status_code == 200


@pytest.mark.parametrize("key", ["a key of its own", "SECRET_KEY as is", "the real key"])
def test_a_forged_cookie_gets_nothing(client: Client, make_slot, walk, person, key: str) -> None:
    payloads = _walked(client, walk, make_slot, person)
    forgers = {
        "a key of its own": MultiFernet([Fernet(Fernet.generate_key())]),
        # SECRET_KEY used directly rather than derived for this purpose.
        "SECRET_KEY as is": MultiFernet(
            [Fernet(base64.urlsafe_b64encode(b"test-only-not-secret".ljust(32, b"-")[:32]))]
        ),
        "the real key": cipher(),  # the control: a forger holding the key would get in
    }
    forger = forgers[key]
    fresh = Client()
    for name, payload in payloads.items():
        fresh.cookies[name] = forger.encrypt(json.dumps(payload).encode()).decode()
    answer = fresh.get("/register/check/")
    if key == "the real key":
        assert answer.status_code == 200
    else:
        assert answer["Location"] == "/register/phone/"


def test_a_signed_cookie_of_the_old_kind_gets_nothing(client: Client, make_slot, walk, person):
    payloads = _walked(client, walk, make_slot, person)
    fresh = Client()
    for name, payload in payloads.items():
        fresh.cookies[name] = signing.dumps(payload, salt="wizard.state", compress=True)
    assert fresh.get("/register/check/")["Location"] == "/register/phone/"
    assert fresh.post("/register/check/")["Location"] == "/register/phone/"


def test_answers_lapse_after_the_max_age_but_the_verified_phone_stays(
    client: Client, make_slot, walk, person
) -> None:
    payload = _walked(client, walk, make_slot, person)[COOKIE.name]
    old = int(time.time()) - MAX_AGE - 5
    client.cookies[COOKIE.name] = (
        cipher().encrypt_at_time(json.dumps(payload).encode(), old).decode()
    )
    assert client.get("/register/check/")["Location"] == "/register/id/"
    assert person["id_number"] not in client.get("/register/id/").content.decode()


def test_a_verified_phone_lapses_with_its_verification(client: Client, make_slot, walk, person):
    _walked(client, walk, make_slot, person)
    lapsed = phone_payload(client) | {"x": int(time.time()) - 1}
    client.cookies[PHONE_COOKIE.name] = cipher().encrypt(json.dumps(lapsed).encode()).decode()
    assert client.get("/register/check/")["Location"] == "/register/phone/"


def test_a_new_secret_key_still_reads_cookies_of_the_one_in_fallbacks(
    client: Client, make_slot, walk, person, settings
) -> None:
    _walked(client, walk, make_slot, person)
    settings.SECRET_KEY = "a-new-secret-key-after-rotation"
    settings.SECRET_KEY_FALLBACKS = ["test-only-not-secret"]
    assert client.get("/register/check/").status_code == 200
    settings.SECRET_KEY_FALLBACKS = []  # the control: without the old key, nothing is read
    assert client.get("/register/check/")["Location"] == "/register/phone/"


def test_the_longest_answers_in_any_script_fit_the_cookie_a_browser_keeps(
    client: Client, make_slot, walk, person
) -> None:
    from tests.population import longest_email

    # A browser drops a cookie over 4,096 bytes (name, value and attributes) without a word,
    # and the person would start again at every step. The worst answers: 100 characters
    # outside the Basic Multilingual Plane (4 bytes each in UTF-8), the longest e-mail.
    person |= {"name": "𠮷" * 100, "email": longest_email(), "id_type": "passport",
               "id_number": "A" * 20, "birth_day": "1", "birth_month": "1",
               "birth_year": "1990"}  # fmt: skip
    payload = _walked(client, walk, make_slot, person)[COOKIE.name]

    assert payload["a"]["name"] == "𠮷" * 100 and payload["a"]["email"] == longest_email()
    assert len(client.cookies[COOKIE.name].output(header="").strip()) < 4096
