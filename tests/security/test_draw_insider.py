"""An insider with the app's Redis access against the waiting room's draw: reading the order
before the opening, or moving, adding or removing tickets afterwards. The seed is not in Redis
before the opening (only its SHA-256), and `waiting_room_draw --verify` fails on every change
to the tickets, checked against the log of tickets and the heads the room published."""

import hashlib
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from devstack.people import new_phone
from vaksin.store import client as redis_client
from vaksin.store import keys
from waiting_room.services import queue_join, queue_standing

DRAWN = 30


def every_string_in_redis() -> set[str]:
    """Everything the app's Redis user can read, as strings: keys' values and hash fields."""
    found: set[str] = set()
    db = redis_client()
    for key in db.scan_iter(count=1000):
        kind = db.type(key)
        if kind == "string":
            found.add(db.get(key))
        elif kind == "hash":
            for name, value in db.hgetall(key).items():
                found |= {name, value}
        elif kind == "stream":
            for _, values in db.xrange(key):
                found |= set(values.values())
    return found


def test_nothing_in_redis_before_the_opening_gives_the_seed_away(client: Client, room) -> None:
    room(opens_in=3600)
    for _ in range(5):
        queue_join(phone=new_phone())
    commitment = client.get("/api/queue").json()["commitment"]
    assert commitment
    readable = every_string_in_redis()
    assert not [s for s in readable if hashlib.sha256(s.encode()).hexdigest() == commitment]
    assert client.get("/api/queue").json()["seed"] is None


def drawn_room(room) -> list[str]:
    """Thirty phones took tickets before the opening; the opening has passed, the seed is
    revealed and every phone has its place."""
    room(opens_in=3600)
    phones = [new_phone() for _ in range(DRAWN)]
    for phone in phones:
        queue_join(phone=phone)
    time.sleep(0.01)
    room(opens_in=0)
    for phone in phones:
        assert queue_standing(phone=phone).position is not None
    call_command("waiting_room_draw", "--verify")  # honest so far
    return phones


def verify_fails(*heads: str) -> None:
    with pytest.raises(CommandError, match="differences"):
        call_command("waiting_room_draw", "--verify", *[f"--head={h}" for h in heads])


@pytest.mark.django_db
def test_moving_ticket_6_to_another_phone_fails_the_check(room) -> None:
    """The issue's own case: ticket 6's place given to another phone, the holder's record
    deleted; every place is still the one the seed gives."""
    phones = drawn_room(room)
    bucket, field = keys.ticket_key(phones[5])
    record = redis_client().hget(bucket, field)
    redis_client().hdel(bucket, field)
    thief_bucket, thief_field = keys.ticket_key(new_phone())
    redis_client().hset(thief_bucket, thief_field, record)
    verify_fails()


@pytest.mark.django_db
def test_deleting_a_ticket_fails_the_check(room) -> None:
    phones = drawn_room(room)
    bucket, field = keys.ticket_key(phones[11])
    redis_client().hdel(bucket, field)
    verify_fails()


@pytest.mark.django_db
def test_inserting_a_ticket_fails_the_check(room) -> None:
    drawn_room(room)
    bucket, field = keys.ticket_key(new_phone())
    redis_client().hset(bucket, field, f"{DRAWN + 1}:{DRAWN + 1}")
    redis_client().hset(keys.QUEUE, "issued", DRAWN + 1)
    verify_fails()


@pytest.mark.django_db
def test_a_log_rewritten_whole_fails_against_a_published_head(client: Client, room) -> None:
    """An insider who rewrites the log itself, its heads and every record consistently still
    cannot match the head the room published at the opening, which anyone may have noted."""
    from waiting_room.draw import draw_key, drawn_position

    phones = drawn_room(room)
    published = client.get("/api/queue").json()
    assert published["draw_head"] == published["log_head"]
    db = redis_client()
    thief = new_phone()
    victim = keys.bucketed_name(*keys.ticket_key(phones[5]))
    entries = db.xrange(keys.QUEUE_LOG)
    db.delete(keys.QUEUE_LOG)
    head = "0" * 64
    for entry_id, values in entries:
        holder = values["holder"]
        if holder == victim:
            holder = keys.bucketed_name(*keys.ticket_key(thief))
        ticket = keys.entry_number(entry_id)
        head = hashlib.sha256(f"{head}|{ticket}|{holder}|{values['at']}".encode()).hexdigest()
        db.xadd(keys.QUEUE_LOG, {"holder": holder, "at": values["at"]}, id=entry_id)
    db.hset(keys.QUEUE, mapping={"head": head, "drawn_head": head})
    bucket, field = keys.ticket_key(phones[5])
    db.hset(*keys.ticket_key(thief), db.hget(bucket, field))
    db.hdel(bucket, field)
    # Every place again, as the rewritten log's draw gives it: the room agrees with itself...
    key = draw_key(published["seed"], head)
    for phone in [*phones[:5], thief, *phones[6:]]:
        bucket, field = keys.ticket_key(phone)
        ticket = int(db.hget(bucket, field).split(":")[0])
        db.hset(bucket, field, f"{ticket}:{drawn_position(key, ticket, DRAWN)}")
    call_command("waiting_room_draw", "--verify")
    # ...but not with the head it published at the opening.
    verify_fails(published["draw_head"])
