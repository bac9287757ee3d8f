"""A pause (operators closing registration by hand) while people wait in the waiting room: they
are told it is paused, and keep their ticket for when it reopens."""

from django.test import Client

from devstack.people import new_phone
from operations.services import switch_flip
from waiting_room.services import queue_join, queue_standing


def test_a_pause_tells_a_waiting_phone_so_and_keeps_its_ticket(
    client: Client, room, make_slot, verify
) -> None:
    make_slot()
    room(opens_in=-1, rate=1)
    for _ in range(20):  # twenty phones came first: a turn 20 s away
        queue_join(phone=new_phone())
    verify("012-345 6789")
    assert client.get("/register/wait/").status_code == 200  # in the queue
    ticket = queue_standing(phone="+60123456789").ticket
    assert ticket is not None
    switch_flip(actor="operator", address=None, name="registration", choice="closed")
    page = client.get("/register/wait/", follow=True)
    assert page.status_code == 403
    assert "Registration is paused" in page.content.decode()
    assert len(page.redirect_chain) <= 2  # no loop between the waiting page and the wizard
    assert queue_standing(phone="+60123456789").ticket == ticket
