"""`waiting_room_draw --verify` explains its counts: "2 of 52 tickets checked" said nothing of
why the other 50 were not."""

import datetime
import io
import secrets

from django.core.management import call_command
from django.utils import timezone

from devstack.people import new_phone
from devstack.processes import wait_until
from vaksin.store.queue import queue_commit, queue_reveal, seed_commitment
from waiting_room.services import queue_join, queue_reading


def test_verify_explains_why_fewer_places_are_checked_than_tickets(settings) -> None:
    """`--verify` said "2 of 52 tickets checked" and nothing of the other 50: tickets taken
    before the opening whose phones have not come back hold no place to check yet."""
    now = timezone.now()
    opening = now + datetime.timedelta(seconds=2)
    settings.WAITING_ROOM_OPENS_AT = now - datetime.timedelta(hours=1)
    settings.REGISTRATION_OPENS_AT = opening
    seed = secrets.token_hex(32)
    queue_commit(seed_commitment(seed))
    early = [new_phone() for _ in range(4)]
    for phone in early:
        queue_join(phone=phone)
    assert wait_until(lambda: timezone.now() > opening, seconds=10)
    queue_reading()  # the draw frozen at the opening
    queue_reveal(seed)
    queue_join(phone=early[0])  # one early phone comes back and is given its place
    queue_join(phone=new_phone())  # one arrives after the opening
    out = io.StringIO()

    call_command("waiting_room_draw", "--verify", stdout=out)

    said = out.getvalue()
    assert "5 tickets in the log, 2 of 5 places checked against the draw" in said
    assert "Why 2 of 5: a ticket's place is given when its phone is next seen" in said
    assert "3 tickets have not been seen since and hold no place yet" in said
