"""Two doses, one booking: many people race for the last pairs, and no second dose is overbooked.

The first-dose places outnumber the second-dose places in range, so the second dose is what
runs out: exactly as many people book as there are second-dose places, each holding both.
The controls run the same race with the pair check removed from the script, and with the
check made apart from the booking (read, then book): both must see second doses overbooked,
or this test could not see it at all.
"""

import datetime
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from availability.services import slot_set_capacity
from devstack.people import booking_request
from registration.services import booking_args, booking_create
from tests.registration.test_booking_race import race
from vaksin.doses import second_dose_dates
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, slots
from vaksin.store.connection import client, script_source

PEOPLE = 200
# The last second-dose places, spread over three dates of the first dose's range.
SECOND_PLACES = {56: 5, 60: 7, 84: 3}


def _scarce_pairs(make_slot: Any, location: str) -> tuple[str, list[str]]:
    """A first-dose date with places for everyone, and SECOND_PLACES second doses in its range
    (none where the automatic allocation would put them); returns the date and those slots."""
    day = make_slot(location=location, capacity=PEOPLE)
    automatic = day + datetime.timedelta(days=56)
    slot_set_capacity(location=location, date=automatic, capacity=0, dose=2)
    for offset, places in SECOND_PLACES.items():
        second = day + datetime.timedelta(days=offset)
        slot_set_capacity(location=location, date=second, capacity=places, dose=2)
    return day.isoformat(), [
        keys.slot_field(location, (day + datetime.timedelta(days=offset)).isoformat())
        for offset in SECOND_PLACES
    ]


def _vaksin(location: str, date: str, round_number: int) -> Callable[[int], bool]:
    def book_one(i: int) -> bool:
        try:
            booking_create(
                request=booking_request(round_number * 1000 + i, location=location, date=date)
            )
        except BookingError as error:
            assert error.code == "sold_out"
            return False
        return True

    return book_one


def _overbooked(second_slots: list[str]) -> bool:
    counts = slots.read_slots()
    return any(counts.booked2.get(slot, 0) > counts.capacity2.get(slot, 0) for slot in second_slots)


def test_the_last_pairs_go_to_exactly_as_many_people_as_second_doses_are_left(make_slot) -> None:
    for round_number in range(3):
        location = f"P{round_number}"
        date, second_slots = _scarce_pairs(make_slot, location)

        successes = race(_vaksin(location, date, round_number), people=PEOPLE)

        counts = slots.read_slots()
        assert successes == sum(SECOND_PLACES.values())
        assert counts.booked[keys.slot_field(location, date)] == successes
        assert [counts.booked2.get(slot, 0) for slot in second_slots] == list(
            SECOND_PLACES.values()
        )
        assert not _overbooked(second_slots)
        # The earliest date with a place went first: every booking's second dose is in range.
        entries = [fields for _, fields in bookings.read_entries(after=0, count=10_000)]
        held = [entry for entry in entries if entry.get("location") == location]
        assert len(held) == successes
        assert all(entry["date2"] in second_dose_dates(date) for entry in held)
    assert store_problems() == []


def _without_pair_check() -> Any:
    """book.lua with its second-dose capacity check taken out (lua/lib/second_dose.lua, which
    it uses: a place is always found)."""
    source = script_source("registration/book")
    check = "if (not only or date == only) and booked < capacity then"
    assert check in source, "the control no longer matches book.lua: update it"
    return client().register_script(source.replace(check, "if not only or date == only then"))


def test_control_without_the_pair_check_the_same_race_overbooks_second_doses(make_slot) -> None:
    location = "PC"
    date, second_slots = _scarce_pairs(make_slot, location)
    script = _without_pair_check()

    def book_one(i: int) -> bool:
        script_keys, script_args = booking_args(
            booking_request(50_000 + i, location=location, date=date)
        ).to_script()
        return str(script(keys=script_keys, args=script_args)[0]) == "booked"

    successes = race(book_one, people=PEOPLE)

    assert successes > sum(SECOND_PLACES.values())
    assert _overbooked(second_slots)


def _check_then_book(location: str, date: str, first: int) -> Callable[[int], bool]:
    """Reads the second-dose places, then books the first dose and takes the second apart."""
    dates = second_dose_dates(date)
    fields = [keys.slot_field(location, day) for day in dates]

    def book_one(i: int) -> bool:
        counts = slots.read_slots()
        free = [f for f in fields if counts.booked2.get(f, 0) < counts.capacity2.get(f, 0)]
        if not free:
            return False
        args = booking_args(booking_request(first + i, location=location, date=date))
        reply = bookings.book_run("registration/book", *replace(args, second_dates=()).to_script())
        if bookings.booking_outcome(reply).outcome != "booked":
            return False
        client().hincrby(keys.BOOKED2, free[0], 1)
        return True

    return book_one


def test_control_a_pair_check_apart_from_the_booking_overbooks_second_doses(make_slot) -> None:
    """Read the second-dose places, then book: the 2021 shape of check-then-act. Over a few
    rounds some interleaving must oversell (any one round may by chance run clean)."""
    oversold = False
    for round_number in range(5):
        location = f"PA{round_number}"
        date, second_slots = _scarce_pairs(make_slot, location)
        race(_check_then_book(location, date, 60_000 + 1000 * round_number), people=PEOPLE)
        oversold = _overbooked(second_slots)
        if oversold:
            break
    assert oversold
