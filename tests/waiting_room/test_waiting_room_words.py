"""The waiting room says what it means: before the draw a ticket is not a place, nobody ahead
is not a queue, and once a turn comes every step says by when to book."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from devstack.processes import wait_until


def test_before_the_draw_the_ticket_is_not_shown_as_a_place(
    client: Client, room, make_slot, verify
) -> None:
    make_slot()
    room(opens_in=3600)
    verify("012-345 6789")
    page = client.get("/register/wait/").content.decode()
    assert re.search(
        r"Your ticket is in the draw\. Your place in the queue is drawn at \d\d:\d\d", page
    )
    assert "the order you arrived in, which does not decide your place" in page
    assert 'class="panel' not in page  # no big green "Your ticket 1"


def test_nobody_ahead_is_not_shown_as_a_queue_of_0() -> None:
    # The moment between being first and being let in is shorter than a test can hold, so the
    # page is rendered as it stands then.
    now = timezone.now()
    standing = {
        "ticket": 7, "position": 1, "ahead": 0, "estimated_wait_seconds": 1,
        "estimated_at": now, "admitted": False, "commitment": "", "holder": "", "log_head": "",
    }  # fmt: skip
    context = {"standing": standing, "opens_at": now, "wait_minutes": 1, "refresh": 5}
    page = render_to_string("waiting_room/waiting.html", context | {"admission_minutes": 10})
    assert "You are in the queue" in page
    assert "0 people ahead of you" not in page
    assert "Nobody is ahead of you: you are let in to book in a moment." in page


@pytest.mark.slow
def test_once_let_in_each_step_says_by_when_to_book(
    client: Client, room, make_slot, verify
) -> None:
    make_slot()
    room(opens_in=-1, rate=1)
    verify("012-345 6789")
    assert wait_until(lambda: client.get("/register/wait/").status_code == 303, seconds=10)
    assert client.get("/register/")["Location"] == "/register/id/"
    shown = client.get("/register/id/").content.decode()
    assert re.search(r"Book by \d\d:\d\d \(Malaysia time\)", shown), shown[:3000]
