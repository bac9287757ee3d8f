"""Moves, cancellations and the waiting list, under concurrency: no place lost or doubled,
exactly one offer per freed place, and a lapsed offer moves on.

Each race has its control: the same race through a design without the one-script step (check,
then act, in separate round trips) must lose a place or let one be taken, or these tests could
not see it happen.
"""

import datetime
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from django.utils import timezone

from appointments.services import appointment_cancel, appointment_current, appointment_move
from availability.services import slot_set_capacity
from devstack.people import book_someone, mykad, new_phone
from registration.references import number_for
from registration.services import booking_cancel, booking_create, booking_request_clean
from vaksin import store
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, slots, waitlist
from vaksin.store.connection import run_script
from vaksin.store.entries import LogEntry
from waitlist.services import offer_accept, offer_link, offer_read, waitlist_join

THREADS = 32


def _join(request: Any) -> int:
    """Joins from a phone verified for the next hour; returns the position."""
    return waitlist_join(request=request, verified_until=int(time.time()) + 3600).position


def together(work: Callable[[int], Any], count: int) -> list[Any]:
    """Runs work(0..count-1) on THREADS threads released at once."""
    barrier = threading.Barrier(min(THREADS, count))

    def run(first: int) -> list[Any]:
        barrier.wait()
        return [work(i) for i in range(first, count, THREADS)]

    with ThreadPoolExecutor(THREADS) as pool:
        return [done for part in pool.map(run, range(min(THREADS, count))) for done in part]


def _holder(reference: str) -> Any:
    entry = bookings.read_entry(number_for(reference) or 0) or {}
    found = appointment_current(
        number=number_for(reference) or 0, id_type="mykad", id_number=entry["id_number"]
    )
    assert found is not None
    return found


def _request(day: datetime.date, *, location: str = "WTCKL", person: str | None = None) -> Any:
    return booking_request_clean(
        id_type="mykad",
        id_number=person or mykad(),
        name="Nur Aisyah",
        phone=new_phone(),
        email="",
        location=location,
        date=day.isoformat(),
        today=timezone.localdate(),
    )


def _held_by_someone(references: list[str]) -> int:
    return sum(
        1
        for reference in references
        if bookings.read_person_number(
            "mykad", (bookings.read_entry(number_for(reference) or 0) or {})["id_number"]
        )
        is not None
    )


def test_concurrent_moves_and_cancels_lose_and_double_no_place(make_slot, tomorrow) -> None:
    day = make_slot(capacity=64)
    later = make_slot(capacity=8, date=tomorrow + datetime.timedelta(days=3))
    movers = [_holder(book_someone(location="WTCKL", date=day)) for _ in range(48)]
    leavers = [_holder(book_someone(location="WTCKL", date=later)) for _ in range(4)]

    def act(i: int) -> str:
        if i < len(movers):
            try:
                appointment_move(appointment=movers[i], slot=f"WTCKL|{later}")
            except BookingError as error:
                return error.code
            return "moved"
        return "cancelled" if appointment_cancel(appointment=leavers[i - len(movers)]) else "no"

    outcomes = together(act, len(movers) + len(leavers))

    assert outcomes.count("cancelled") == 4
    moved = outcomes.count("moved")
    assert 4 <= moved <= 8  # the 4 free places, and up to 4 freed by the cancels
    assert set(outcomes) <= {"moved", "sold_out", "cancelled"}
    counts = slots.read_booked_counts()
    assert counts[f"WTCKL|{later}"] == moved  # every leaver gone, every mover counted
    assert counts[f"WTCKL|{day}"] == len(movers) - moved
    # Every mover still holds exactly one booking: the old one, or the new one.
    for mover in movers:
        assert bookings.read_person_number("mykad", mover.id_number) is not None
    assert store_problems() == []


def test_control_a_move_made_of_a_check_then_a_cancel_then_a_booking_loses_places(
    make_slot, tomorrow
) -> None:
    """Without the one-script move: each mover checks the new date has a place, cancels the
    old booking, then books the new date. Racing, many pass the check together, and those the
    booking then refuses have lost their place."""
    lost = 0
    for round_number in range(5):
        lost += _naive_moves_lost(f"M{round_number}", make_slot, tomorrow)
        if lost:
            break
    assert lost > 0


def _naive_moves_lost(location: str, make_slot: Any, tomorrow: datetime.date) -> int:
    day = make_slot(location=location, capacity=64)
    later = make_slot(location=location, capacity=4, date=tomorrow + datetime.timedelta(3))
    movers = [_holder(book_someone(location=location, date=day)) for _ in range(32)]

    def naive_move(i: int) -> str:
        mover = movers[i]
        if slots.read_booked_counts().get(f"{location}|{later}", 0) >= 4:
            return "sold_out"
        booking_cancel(reference=mover.reference, by="person")
        try:
            booking_create(request=_request(later, location=location, person=mover.id_number))
        except BookingError:
            return "lost"
        return "moved"

    return together(naive_move, len(movers)).count("lost")


def _waiters(day: datetime.date, count: int) -> list[Any]:
    requests = [_request(day) for _ in range(count)]
    for position, request in enumerate(requests, start=1):
        assert _join(request) == position
    return requests


def _offers() -> list[LogEntry]:
    return [entry for _, entry in bookings.read_entries(after=0, count=10_000)
            if entry["kind"] == "offered"]  # fmt: skip


def test_each_freed_place_is_offered_once_and_held_from_racing_bookers(make_slot, tomorrow) -> None:
    day = make_slot(capacity=10)
    holders = [_holder(book_someone(location="WTCKL", date=day)) for _ in range(10)]
    waiters = _waiters(day, 12)
    racers = [_request(day) for _ in range(40)]

    def act(i: int) -> str:
        if i < 6:
            return "cancelled" if appointment_cancel(appointment=holders[i]) else "no"
        if i < 12:  # sweeps racing the cancellations must offer nothing twice
            waitlist.waitlist_sweep(slot=f"WTCKL|{day}", offer_seconds=600)
            return "swept"
        try:
            booking_create(request=racers[i - 12])
        except BookingError as error:
            return error.code
        return "booked"

    outcomes = together(act, 12 + len(racers))

    assert outcomes.count("cancelled") == 6
    assert "booked" not in outcomes  # every freed place was held for a waiter at once
    offers = _offers()
    assert len(offers) == 6
    assert [offer["phone"] for offer in offers] == [w.phone for w in waiters[:6]]
    assert waitlist.held_counts() == {f"WTCKL|{day}": 6}
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 10}
    assert store_problems() == []


def test_control_a_cancel_that_offers_in_a_second_step_lets_racers_take_the_places(
    make_slot, tomorrow
) -> None:
    """Without the offer inside the cancelling script: the place is free for a moment between
    the cancellation and the sweep that offers it, and racing bookers take it."""
    taken = 0
    for round_number in range(5):
        taken += _places_taken_between_cancel_and_offer(f"C{round_number}", make_slot)
        if taken:
            break
    assert taken > 0


def _plain_cancel(reference: str) -> None:
    """lua/registration/cancel.lua alone: the place goes back to everyone, offered to nobody."""
    entry = bookings.read_entry(number_for(reference) or 0) or {}
    names = keys.person_keys("mykad", entry["id_number"]) + keys.phone_keys(entry["phone"])
    run_script(
        "registration/cancel",
        keys=[keys.BOOKED, keys.BOOKINGS, keys.BOOKED2, *(bucket for bucket, _ in names)],
        args=[number_for(reference), "person", "", len(names) // 2, keys.DOSES_PREFIX,
              keys.DOSES_BUCKET_SIZE, *(field for _, field in names)],
    )  # fmt: skip


def _places_taken_between_cancel_and_offer(location: str, make_slot: Any) -> int:
    day = make_slot(location=location, capacity=10)
    references = [book_someone(location=location, date=day) for _ in range(10)]
    _waiters_at(location, day, 6)
    racers = [_request(day, location=location) for _ in range(40)]

    def act(i: int) -> str:
        if i < 6:
            _plain_cancel(references[i])
            waitlist.waitlist_sweep(slot=f"{location}|{day}", offer_seconds=600)
            return "cancelled"
        try:
            booking_create(request=racers[i - 6])
        except BookingError as error:
            return error.code
        return "booked"

    return together(act, 6 + len(racers)).count("booked")


def _waiters_at(location: str, day: datetime.date, count: int) -> None:
    for _ in range(count):
        _join(_request(day, location=location))


def _expire_offers(slot: str) -> None:
    """Makes every live offer of `slot` one whose time has passed."""
    client = store.client()
    for waiter in client.hkeys(keys.offer_key(slot)):
        client.hset(keys.offer_key(slot), waiter, 1)
        client.zadd(keys.OFFERS, {f"{slot}#{waiter}": 1})


def test_an_offer_not_taken_lapses_to_the_next_in_line(make_slot) -> None:
    day = make_slot(capacity=1)
    slot = f"WTCKL|{day}"
    holder = _holder(book_someone(location="WTCKL", date=day))
    first, second = _waiters(day, 2)
    assert appointment_cancel(appointment=holder)
    [offer] = _offers()
    assert offer["phone"] == first.phone
    stale = offer_link(slot=slot, waiter=offer["waiter"], until=int(offer["until"]))[-10:]

    _expire_offers(slot)
    assert waitlist.waitlist_sweep(slot=slot, offer_seconds=600) == (1, 1)

    offers = _offers()
    assert [o["phone"] for o in offers] == [first.phone, second.phone]
    assert offer_read(stale) is None
    assert waitlist.held_counts() == {slot: 1}
    assert store_problems() == []
    _expire_offers(slot)
    assert waitlist.waitlist_sweep(slot=slot, offer_seconds=600) == (1, 0)
    # Nobody left in line: the place is everyone's again.
    assert waitlist.held_counts() == {}
    assert slots.read_booked_counts() == {slot: 0}
    assert store_problems() == []


def test_accepting_an_offer_books_it_once_and_nobody_holds_two_places(make_slot) -> None:
    day = make_slot(capacity=1)
    slot = f"WTCKL|{day}"
    holder = _holder(book_someone(location="WTCKL", date=day))
    [waiter] = _waiters(day, 1)
    assert appointment_cancel(appointment=holder)
    [entry] = _offers()
    token = offer_link(slot=slot, waiter=entry["waiter"], until=int(entry["until"]))[-10:]
    offer = offer_read(token)
    assert offer is not None

    def accept(i: int) -> str:
        try:
            return offer_accept(offer=offer).reference
        except BookingError as error:
            return error.code

    outcomes = together(accept, 16)

    references = [o for o in outcomes if o != "offer_gone"]
    assert len(references) == 1, outcomes
    assert bookings.read_person_number("mykad", waiter.id_number) == number_for(references[0])
    assert slots.read_booked_counts() == {slot: 1}
    assert waitlist.held_counts() == {}
    assert offer_read(token) is None
    assert store_problems() == []


def test_a_waiter_who_booked_elsewhere_is_passed_over(make_slot, tomorrow) -> None:
    day = make_slot(capacity=1)
    other = make_slot(capacity=5, date=tomorrow + datetime.timedelta(days=1))
    holder = _holder(book_someone(location="WTCKL", date=day))
    first, second = _waiters(day, 2)
    booking_create(request=_request(other, person=first.id_number))

    assert appointment_cancel(appointment=holder)

    assert [o["phone"] for o in _offers()] == [second.phone]
    assert store_problems() == []


def test_joining_is_refused_to_a_person_with_a_booking_and_when_a_place_is_free(
    make_slot,
) -> None:
    day = make_slot(capacity=2)
    person = mykad()
    book_someone(location="WTCKL", date=day, id_number=person)
    for refused, code in (
        (_request(day, person=person), "already_registered"),
        (_request(day), "available"),
    ):
        try:
            _join(refused)
        except BookingError as error:
            assert error.code == code
        else:
            raise AssertionError(code)


def test_one_phone_waits_once_per_date(make_slot) -> None:
    """An attacker's script with generated ID numbers and one phone takes one place in line."""
    day = make_slot(capacity=1)
    book_someone(location="WTCKL", date=day)
    phone = new_phone()
    positions = [_join(replace(_request(day), phone=phone)) for _ in range(5)]
    assert positions == [1] * 5


def test_a_raised_capacity_is_offered_to_the_waiting_list(make_slot) -> None:
    day = make_slot(capacity=1)
    book_someone(location="WTCKL", date=day)
    _waiters(day, 3)
    slot_set_capacity(location="WTCKL", date=day, capacity=3)

    assert waitlist.waitlist_sweep(slot=f"WTCKL|{day}", offer_seconds=600) == (0, 2)
    assert waitlist.waitlist_sweep(slot=f"WTCKL|{day}", offer_seconds=600) == (0, 0)
    assert store_problems() == []


def test_concurrent_sweeps_offer_each_free_place_once(make_slot) -> None:
    day = make_slot(capacity=1)
    slot = f"WTCKL|{day}"
    book_someone(location="WTCKL", date=day)
    _waiters(day, 10)
    slot_set_capacity(location="WTCKL", date=day, capacity=8)  # 7 places free

    together(lambda i: waitlist.waitlist_sweep(slot=slot, offer_seconds=600), 32)

    offers = _offers()
    assert len(offers) == 7 and len({offer["waiter"] for offer in offers}) == 7
    assert slots.read_booked_counts() == {slot: 8}
    assert store_problems() == []


def test_control_a_sweep_that_reads_then_offers_offers_places_twice(make_slot) -> None:
    """Without the one-script sweep: each sweeper reads the free places and the first waiter,
    then writes the offer. Racing, two sweepers offer the same place, or to the same waiter."""
    doubled = 0
    client = store.client()
    for round_number in range(5):
        location = f"S{round_number}"
        day = make_slot(location=location, capacity=1)
        slot = f"{location}|{day}"
        book_someone(location=location, date=day)
        _waiters_at(location, day, 10)
        slot_set_capacity(location=location, date=day, capacity=4)  # 3 free

        def naive_sweep(i: int, slot: str = slot) -> None:
            capacity = int(client.hget(keys.CAPACITY, slot))
            booked = int(client.hget(keys.BOOKED, slot) or 0)
            for _ in range(capacity - booked):
                first = client.zrange(keys.waitlist_key(slot), 0, 0)
                if not first:
                    return
                client.zrem(keys.waitlist_key(slot), first[0])
                client.hincrby(keys.BOOKED, slot, 1)
                client.hset(keys.offer_key(slot), first[0], 1)
                client.rpush(f"control:offers:{slot}", first[0])

        together(naive_sweep, 32)
        made = client.lrange(f"control:offers:{slot}", 0, -1)
        booked = int(client.hget(keys.BOOKED, slot))
        doubled += (len(made) > 3) + (len(set(made)) < len(made)) + (booked > 4)
        if doubled:
            break
    assert doubled > 0
