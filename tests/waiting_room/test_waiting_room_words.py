"""The waiting room says what it means: before the draw a ticket is not a place, nobody ahead
is not a queue, and once a turn comes every step says by when to book."""

import re

import pytest
from django.test import Client

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


@pytest.mark.slow
def test_nobody_ahead_is_not_a_queue_and_each_step_says_by_when_to_book(
    client: Client, room, make_slot, verify
) -> None:
    make_slot()
    room(opens_in=-1, rate=1)
    verify("012-345 6789")
    page = client.get("/register/wait/")
    if page.status_code == 200:  # not yet let in: the first in the queue
        html = page.content.decode()
        assert "0 people ahead of you" not in html
        assert "Nobody is ahead of you" in html
    assert wait_until(lambda: client.get("/register/wait/").status_code == 303, seconds=10)
    for step in ("id",):
        shown = client.get(f"/register/{step}/").content.decode()
        assert re.search(r"Book by \d\d:\d\d \(Malaysia time\)", shown), shown[:3000]
