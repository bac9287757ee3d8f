"""Fixtures for the public face: a person's answers, the wizard walked step by step, and a real
gunicorn with collected static files for the browser tests."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from availability.selectors import LISTING
from devstack.people import mykad
from devstack.processes import stop_process
from devstack.starters import start_gunicorn
from tests.public.test_browser import shots, site_sms  # noqa: F401 (for the other browser tests)


@pytest.fixture(autouse=True)
def listing_cache_cleared() -> Iterator[None]:
    """Each test flushes Redis, so this process's copies of the listing must go too."""
    LISTING.clear()
    yield
    LISTING.clear()


@pytest.fixture
def person() -> dict[str, str]:
    return {
        "id_type": "mykad",
        "id_number": mykad(),
        "name": "Nur Aisyah binti Ahmad",
        "phone": "012-345 6789",
        "email": "",
    }


Walker = Callable[..., Any]


@pytest.fixture
def verify(client: Client, send_codes: Callable[[], list[str]]) -> Callable[[str], Client]:
    """Verifies a phone in the wizard as a person does: the number, then the code by SMS (sent
    by a real RQ worker through the file SMS backend)."""

    def go(phone: str) -> Client:
        sent = client.post("/register/phone/", {"phone": phone})
        assert sent.status_code == 303, sent.content.decode()[:2000]
        if sent["Location"] == "/register/code/":
            confirmed = client.post("/register/code/", {"code": send_codes()[-1]})
            assert confirmed.status_code == 303, confirmed.content.decode()[:2000]
        return client

    return go


@pytest.fixture
def walk(client: Client, verify: Callable[[str], Client]) -> Walker:
    """Verifies the person's phone, then answers the wizard up to (and including) `until`,
    checking each step moves on."""

    def go(person: dict[str, str], *, location: str, date: str, until: str = "date") -> Client:
        verify(person["phone"])
        steps: list[tuple[str, dict[str, str]]] = [
            ("/register/id/", {"id_type": person["id_type"], "id_number": person["id_number"]}),
            (
                "/register/details/",
                {
                    "name": person["name"],
                    "email": person.get("email", ""),
                    **{
                        key: person[key]
                        for key in ("birth_day", "birth_month", "birth_year")
                        if key in person
                    },
                },
            ),
            ("/register/state/", {"state": person.get("state", "MY-14")}),
            ("/register/centre/", {"location": location}),
            ("/register/date/", {"slot": f"{location}|{date}"}),
        ]
        for url, data in steps:
            response = client.post(url, data)
            assert response.status_code == 303, (url, response.content.decode()[:2000])
            if url.endswith(f"/{until}/"):
                break
        return client

    return go


@pytest.fixture(scope="session")
def site(
    django_db_setup: None,
    collected_static: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """One gunicorn for the whole session, against the test database and the test Redis.

    The pages read slots from Redis only, which each test seeds after the flush."""
    process, base = start_gunicorn(tmp_path_factory.mktemp("site") / "gunicorn.log")
    yield base
    stop_process(process)
