"""The automatic admission mode steers on real bookings only: a crowd of junk requests (unknown
slots, invalid bodies) and the refusals of admitted people (sold out) do not talk the rate
down, while real bookings above or below the target still move it.

The waiting room's script and the booking script take their clock from the test (a Clock it
moves), so five-second measuring periods pass without anyone sleeping; the junk goes through
the real POST /api/bookings, from many addresses and phones, as an attacker would send it."""

import datetime
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from django.test import Client

from devstack.people import api_body, bearer, mykad, new_phone
from tests.slots import SlotMaker
from vaksin.store import bookings, client, keys
from vaksin.store.bookings import BookingArgs
from vaksin.store.queue import QueueReading, QueueRules, queue_step

TARGET = 10  # bookings a second the automatic mode steers towards
PERIOD_MS = 5000  # how often it measures (the services' default)
RATE = 50  # admissions a second to begin with


class Room:
    """The waiting room's script at a clock the test moves, and bookings made at that clock."""

    def __init__(self, day: datetime.date, full: datetime.date) -> None:
        self.ms = int(time.time() * 1000)
        self.day, self.full = day, full
        self.rules = QueueRules(
            opening_ms=self.ms,
            pass_ms=600_000,
            rate=RATE,
            auto_target=TARGET,
            auto_period_ms=PERIOD_MS,
        )
        self.phones = [new_phone() for _ in range(3000)]
        self.admitted = 0  # phones[:admitted] have been admitted and have booked or tried
        for phone in self.phones:
            self.step("join", phone=phone)  # at the opening: queued in arrival order
        self.step("mode", value="auto")
        self.step("tick")  # the mode's first look at the counters

    def step(self, action: Any, **kwargs: Any) -> QueueReading:
        return queue_step(self.rules, action=action, now_ms=self.ms, **kwargs)

    def advance(self, seconds: float) -> QueueReading:
        self.ms += int(seconds * 1000)
        return self.step("tick")

    def book(self, date: datetime.date) -> str:
        """The next admitted phone books (or tries to) on `date`; returns the outcome."""
        phone = self.phones[self.admitted]
        self.admitted += 1
        outcome = bookings.book(BookingArgs(
            id_type="mykad", id_number=mykad(), name="Aminah binti Hassan", phone=phone,
            email="", location="WTCKL", date=date.isoformat(), lang="en",
            pass_ms=self.rules.pass_ms, now_ms=self.ms,
        ))  # fmt: skip
        return str(outcome.outcome)

    def period(self, *, booked: int, junk: Callable[[], None] = lambda: None) -> float:
        """One measuring period: admission moves on halfway, `booked` admitted phones book and
        the junk is sent, then the period ends and the mode measures it. Returns the rate."""
        assert self.advance(PERIOD_MS / 2000).through >= self.admitted + booked
        assert [self.book(self.day) for _ in range(booked)] == ["booked"] * booked
        junk()
        return self.advance(PERIOD_MS / 2000).rate


def counter(name: str) -> int:
    return int(client().hget(keys.METRICS, f"booking:{name}") or 0)


def test_junk_requests_do_not_slow_admission_and_real_bookings_steer_it(
    client: Client, room: Callable[..., None], make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    day = make_slot(capacity=5000)
    full = make_slot(capacity=0, date=tomorrow + datetime.timedelta(days=1))
    room(opens_in=-60)  # the API's registration is open and its waiting room on
    steered = Room(day, full)
    sent = {"invalid": 0, "unknown_slot": 0}
    addresses = itertools.count(1)

    def address() -> str:
        n = next(addresses)
        return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"

    def junk() -> None:
        """About 36 junk requests a second over the period (the crowd of the issue: 711 in 22
        s), through the real API, each from its own address and phone; and admitted people
        refused a full date."""
        for i in range(180):
            body = api_body(day, location="NOWHERE") if i % 3 else api_body(day, id_number="12")
            answer = client.post(
                "/api/bookings",
                json.dumps(body),
                content_type="application/json",
                headers={"Authorization": bearer(body["phone"])},
                REMOTE_ADDR=address(),
            )
            outcome = "unknown_slot" if i % 3 else "invalid"
            assert (answer.status_code, answer.json()["error"]) == (
                (404, outcome) if i % 3 else (400, outcome)
            )
            sent[outcome] += 1
        assert [steered.book(full) for _ in range(20)] == ["sold_out"] * 20

    # Bookings at the target hold the rate where it is; the junk around them changes nothing.
    rates = [steered.period(booked=TARGET * PERIOD_MS // 1000, junk=junk) for _ in range(4)]
    assert rates == [RATE] * 4
    # The junk did reach the booking script, and was counted there for operators.
    assert sent == {"invalid": 240, "unknown_slot": 480}
    assert counter("unknown_slot") == 480
    assert counter("sold_out") == 80
    assert counter("booked") == 200

    # Real bookings still steer: twice the target halves the rate; none, with people waiting,
    # doubles it.
    assert steered.period(booked=2 * TARGET * PERIOD_MS // 1000) == RATE / 2
    assert steered.period(booked=0, junk=junk) == RATE
