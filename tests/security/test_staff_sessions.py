"""Staff sessions live on the server: a cookie kept after logging out, or left idle, opens
nothing; and the public never gets a session."""

import time

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.slots import SlotMaker
from tests.staff import opens_the_admin, staff_login


def test_a_logged_out_session_cookie_no_longer_opens_the_admin(
    client: Client, staff: User, settings: SettingsWrapper
) -> None:
    staff_login(client, staff)
    assert opens_the_admin(client)
    kept = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("admin:logout"))
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = kept

    assert not opens_the_admin(thief)


@pytest.mark.slow
def test_an_idle_staff_session_ends_and_a_busy_one_does_not(
    client: Client, staff: User, settings: SettingsWrapper
) -> None:
    settings.SESSION_COOKIE_AGE = 3
    staff_login(client, staff)

    for _ in range(5):
        time.sleep(1)
        assert opens_the_admin(client)
    time.sleep(4)

    assert not opens_the_admin(client)


@pytest.mark.parametrize(
    "path", ["/", "/register/", "/register/id/", "/api/availability", "/healthz"]
)
def test_the_public_gets_no_session(
    client: Client, make_slot: SlotMaker, settings: SettingsWrapper, path: str
) -> None:
    make_slot()

    response = client.get(path, follow=True)

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()
