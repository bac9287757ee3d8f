"""The waiting room's script on a real Redis, at a simulated noon with small numbers: the draw,
admission in its order, passes that lapse, and the booking script checking the pass itself.

The scripts take their clock from the caller here (a Clock the test moves), so a pass lapses
or a second passes without anyone sleeping; QueueRules is how the services call the script
with the configured minutes."""

import datetime
import secrets
import threading
import time
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from devstack.people import mykad, new_phone
from vaksin.store import bookings, client, keys
from vaksin.store.bookings import BookingArgs
from vaksin.store.queue import (
    QueueReading,
    QueueRules,
    queue_commit,
    queue_reveal,
    queue_seed,
    queue_step,
    seed_commitment,
)
from waiting_room.draw import draw_key, drawn_order, drawn_position


class Clock:
    """The time the scripts are told it is, in ms, moved by the test."""

    def __init__(self) -> None:
        self.ms = int(time.time() * 1000)

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


CLOCK = Clock()


@pytest.fixture(autouse=True)
def clock() -> Clock:
    CLOCK.ms = int(time.time() * 1000)
    return CLOCK


def rules(*, opens_in: float = 0.0, rate: float = 1000, pass_seconds: float = 60) -> QueueRules:
    return QueueRules(
        opening_ms=CLOCK.ms + int(opens_in * 1000),
        pass_ms=int(pass_seconds * 1000),
        rate=rate,
        auto_target=100,
    )


def step(room: QueueRules, **kwargs: Any) -> QueueReading:
    """A step of the waiting room's script at the test's time."""
    return queue_step(room, now_ms=CLOCK.ms, **kwargs)


def book(phone: str, date: datetime.date, *, pass_ms: int | None) -> bookings.BookingOutcome:
    return bookings.book(BookingArgs(
        id_type="mykad", id_number=mykad(), name="Aminah", phone=phone, email="",
        location="WTCKL", date=date.isoformat(), lang="en", pass_ms=pass_ms, now_ms=CLOCK.ms,
    ))  # fmt: skip


def test_the_draw_is_a_permutation_for_any_number_of_tickets() -> None:
    for drawn in (1, 2, 3, 5, 64, 65, 1000, 4097):
        assert sorted(drawn_order("some seed", drawn)) == list(range(1, drawn + 1))
    assert drawn_order("one seed", 1000) != drawn_order("another seed", 1000)


def committed() -> str:
    """A seed operators committed to before the opening (its SHA-256 alone in Redis)."""
    seed = secrets.token_hex(32)
    assert queue_commit(seed_commitment(seed))
    return seed


def test_admission_follows_the_draw_then_arrival() -> None:
    """Twelve phones before the opening, five after: each is admitted once, the first twelve
    in the order the revealed seed gives, the rest in the order they came; nobody before the
    seed is revealed."""
    room = rules(opens_in=1.0, rate=20)
    secret = committed()
    early = [new_phone() for _ in range(12)]
    for phone in early:
        assert step(room, action="join", phone=phone).position is None  # not drawn yet
    CLOCK.advance(1.1)
    late = [new_phone() for _ in range(5)]
    for phone in late:
        step(room, action="join", phone=phone)
    CLOCK.advance(1)
    waiting = step(room, action="status", phone=early[0])
    assert (waiting.position, waiting.through, waiting.revealed) == (None, 0, False)
    assert queue_reveal(secret)
    for _ in range(40):  # two seconds, in steps of 50 ms
        if step(room, action="tick").through >= 17:
            break
        CLOCK.advance(0.05)

    seed = queue_seed()
    assert seed is not None
    readings = [step(room, action="status", phone=phone) for phone in early + late]
    admitted = sorted(readings, key=lambda r: (r.admitted_at_ms or 0, r.position or 0))
    key = draw_key(seed, readings[0].drawn_head)
    assert [r.ticket for r in admitted] == drawn_order(key, 12) + list(range(13, 18))
    assert all(r.admitted_at_ms for r in readings)
    assert sorted(r.position for r in readings if r.position) == list(range(1, 18))
    assert readings[0].commitment == seed_commitment(seed)
    # Admission moved at the rate, not all at once: 17 places took several steps.
    assert client().zcard(keys.QUEUE_STEPS) >= 5


def test_one_phone_holds_one_ticket_however_often_it_asks() -> None:
    room = rules()
    phone = new_phone()
    tickets = set()

    def ask() -> None:
        for _ in range(10):
            reading = queue_step(room, action="join", phone=phone)
            tickets.add(reading.ticket)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tickets == {1}
    assert queue_step(room, action="tick").issued == 1


def test_admission_moves_at_the_rate_whoever_calls() -> None:
    """Eight callers at once advance admission as one would: by rate x elapsed time."""
    room = rules(rate=10)
    for _ in range(100):
        queue_step(room, action="join", phone=new_phone())
    started = time.monotonic()
    stop = started + 1.5

    def poll() -> None:
        while time.monotonic() < stop:
            queue_step(room, action="tick")

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    through = queue_step(room, action="tick").through
    # The opening was a moment before `started`; allow for that and for the last step.
    assert 10 <= through <= 10 * (time.monotonic() - started + 0.5) + 1


def test_a_lapsed_pass_lets_the_next_ticket_in_and_a_used_one_does_not(make_slot) -> None:
    date = make_slot(capacity=10)
    room = rules(rate=1, pass_seconds=0.5)
    phones = [new_phone() for _ in range(4)]
    for phone in phones:
        step(room, action="join", phone=phone)
    CLOCK.advance(1.05)
    assert step(room, action="tick").through == 1
    step(room, action="rate", value="0.0001")  # from now on only lapses move the queue
    # The first ticket uses its pass: when its time is over, nobody else comes in for it.
    assert book(phones[0], date, pass_ms=room.pass_ms).outcome == "booked"
    CLOCK.advance(0.6)
    assert step(room, action="tick").through == 1
    # The hand-set rate cannot admit anyone for hours; only a lapse can.
    client().hset(keys.QUEUE, "paced", "1")
    client().hset(keys.QUEUE, "rate", "1")
    CLOCK.advance(1.05)
    assert step(room, action="rate", value="0.0001").through == 2
    # The second ticket lets its pass lapse: the third comes in for it.
    CLOCK.advance(0.6)
    assert step(room, action="tick").through == 3
    assert step(room, action="status", phone=phones[2]).admitted_at_ms is not None


def test_the_booking_script_refuses_a_phone_without_a_valid_pass(make_slot) -> None:
    date = make_slot(capacity=10)
    room = rules(rate=1, pass_seconds=0.5)
    first, second, stranger = new_phone(), new_phone(), new_phone()
    step(room, action="join", phone=first)
    step(room, action="join", phone=second)
    CLOCK.advance(1.05)
    step(room, action="rate", value="0.0001")

    refused = book(stranger, date, pass_ms=room.pass_ms)
    assert (refused.outcome, refused.position) == ("not_admitted", None)
    waiting = book(second, date, pass_ms=room.pass_ms)
    assert (waiting.outcome, waiting.position) == ("not_admitted", 2)
    CLOCK.advance(0.6)
    expired = book(first, date, pass_ms=room.pass_ms)
    assert (expired.outcome, expired.position) == ("not_admitted", 1)
    # Control: the same booking with the room off books.
    assert book(stranger, date, pass_ms=None).outcome == "booked"
    assert client().hget(keys.BOOKED, f"WTCKL|{date}") == "1"


def test_an_admitted_pass_books_once_per_person_and_within_the_phone_limit(make_slot) -> None:
    date = make_slot(capacity=10)
    room = rules()
    phone = new_phone()
    step(room, action="join", phone=phone)
    CLOCK.advance(0.15)
    assert step(room, action="status", phone=phone).admitted_at_ms is not None
    assert book(phone, date, pass_ms=room.pass_ms).outcome == "booked"
    assert book(phone, date, pass_ms=room.pass_ms).outcome == "booked"  # a family member


def test_a_ticket_whose_turn_is_over_queues_again_at_the_back() -> None:
    room = rules(rate=1000, pass_seconds=0.3)
    phone = new_phone()
    first = step(room, action="join", phone=phone)
    CLOCK.advance(0.15)
    assert step(room, action="status", phone=phone).admitted_at_ms is not None
    CLOCK.advance(0.4)
    again = step(room, action="join", phone=phone)
    assert again.ticket != first.ticket
    assert again.ticket == 2


@pytest.mark.django_db
def test_waiting_room_draw_verify_recomputes_the_places(settings) -> None:
    settings.WAITING_ROOM_OPENS_AT = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        hours=1
    )
    settings.REGISTRATION_OPENS_AT = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=1
    )
    from waiting_room.services import queue_join, queue_reading, queue_standing

    seed = committed()
    phones = [new_phone() for _ in range(30)]
    for phone in phones:
        queue_join(phone=phone)
    time.sleep(1.1)
    queue_reading()
    assert queue_reveal(seed)
    for phone in phones:
        queue_standing(phone=phone)
    standing = queue_standing(phone=phones[7])
    assert standing.position == drawn_position(draw_key(seed, queue_reading().drawn_head), 8, 30)
    call_command("waiting_room_draw", "--verify")

    # A place changed behind the draw's back is caught.
    bucket, field = keys.ticket_key(phones[7])
    client().hset(bucket, field, f"8:{standing.position % 30 + 1}")
    with pytest.raises(CommandError, match="differences"):
        call_command("waiting_room_draw", "--verify")


def test_the_automatic_mode_steers_the_rate_towards_the_target() -> None:
    """No bookings while people wait: the rate rises (at most doubling a step). Far more
    bookings than the target: it falls (at most halving)."""
    room = QueueRules(
        opening_ms=CLOCK.ms, pass_ms=60_000, rate=10, auto_target=100, auto_period_ms=200,
    )  # fmt: skip
    for _ in range(5000):
        step(room, action="join", phone=new_phone())
    step(room, action="mode", value="auto")
    step(room, action="tick")  # the first look at the counters
    CLOCK.advance(0.25)
    assert step(room, action="tick").rate == 20
    client().hincrby(keys.METRICS, "booking:booked", 10_000)
    client().hincrby(keys.METRICS, "booking:not_admitted", 10**6)  # not the origin's bookings
    CLOCK.advance(0.25)
    assert step(room, action="tick").rate == 10
    # Set by hand, the rate stays as set.
    step(room, action="rate", value="7")
    client().hincrby(keys.METRICS, "booking:booked", 10_000)
    CLOCK.advance(0.25)
    reading = step(room, action="tick")
    assert (reading.rate, reading.mode) == (7, "set")
