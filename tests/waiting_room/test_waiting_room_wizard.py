"""The wizard behind the waiting room: a verified phone waits on a page that refreshes itself,
goes on to book once its turn comes, and is told at once when every place is gone."""

import re

import pytest
from django.test import Client

from devstack.people import new_phone
from devstack.processes import wait_until
from vaksin.store import client as redis_client
from vaksin.store import keys
from vaksin.store.queue import queue_chain_state
from waiting_room.services import queue_join


@pytest.mark.slow
def test_a_verified_phone_waits_then_goes_on_to_book(client: Client, room, make_slot, verify):
    make_slot()
    room(opens_in=-1, rate=1)
    for _ in range(3):  # three phones came first
        queue_join(phone=new_phone())
    verify("012-345 6789")
    # The booking steps send a phone that is not admitted to the waiting page.
    assert client.get("/register/id/")["Location"] == "/register/wait/"
    page = client.get("/register/wait/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 5 <= int(page["Refresh"]) <= 30
    assert "?refresh=off" in html  # a person who needs more time stops it (WCAG 2.2.1)
    assert "Refresh" not in client.get("/register/wait/?refresh=off")
    assert "You are in the queue" in html
    assert re.search(r"Your place: 4\b", html)
    assert "Malaysia time" in html
    assert page["Cache-Control"].startswith("max-age=0")
    assert wait_until(lambda: client.get("/register/wait/").status_code == 303, seconds=10)
    # On to the wizard, which resumes where the person left it: the identity step.
    assert client.get("/register/wait/")["Location"] == "/register/"
    assert client.get("/register/")["Location"] == "/register/id/"
    assert client.get("/register/id/").status_code == 200


def test_before_the_opening_the_page_says_the_draw_decides(client: Client, room, make_slot, verify):
    make_slot()
    room(opens_in=3600)
    verify("012-345 6789")
    page = client.get("/register/wait/").content.decode()
    assert "You are in the draw" in page
    state = redis_client().hgetall(keys.QUEUE)
    assert state["commitment"] in page
    assert "seed" not in state  # held by operators until the opening
    assert queue_chain_state()[0] in page  # the log's seal so far


def test_the_waiting_page_in_malay(client: Client, room, make_slot, verify) -> None:
    make_slot()
    room(opens_in=-1, rate=1)
    queue_join(phone=new_phone())
    queue_join(phone=new_phone())
    verify("012-345 6789")
    page = client.get("/register/wait/", headers={"Accept-Language": "ms"}).content.decode()
    assert 'lang="ms"' in page
    assert "Anda dalam barisan" in page


def test_when_every_place_is_gone_the_waiting_say_so_at_once(
    client: Client, room, make_slot, verify
):
    make_slot(capacity=0)
    room(opens_in=-1, rate=1)
    verify("012-345 6789")
    page = client.get("/register/wait/").content.decode()
    assert "Every place has been booked" in page
    assert "/appointment/" in page
    # Nothing is left to queue for: the wizard is open, to join a full date's waiting list.
    assert "join its waiting list" in page
    assert client.get("/register/id/").status_code == 200


def test_without_a_phone_the_waiting_page_sends_to_the_start(client: Client, room) -> None:
    room()
    assert client.get("/register/wait/")["Location"] == "/register/"
