"""Random sequences of booking, repeating, cancelling, capacity changes and purges of personal
data, and of two doses (moves of both or of the second, doses given, no-shows, second doses let
go), checked against a plain Python model of what should happen, with the store's invariants
checked after each step."""

import dataclasses
import datetime

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from availability.services import CapacityError, centre_save, slot_set_capacity
from devstack.people import booking_request
from registration.doses import DoseError, DoseEvent, dose_event
from registration.references import number_for, reference_for
from registration.services import BookingRequest, booking_cancel, booking_create
from vaksin import store
from vaksin.doses import second_dose_dates
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, outbox
from vaksin.store import slots as store_slots
from vaksin.store.doses import doses_given_read
from warehouse.export import bookings_export, bookings_verify
from warehouse.models import Booking, ExportWatermark
from warehouse.purge import personal_data_purge

SLOTS = [("WTCKL", 0), ("WTCKL", 1), ("UM", 0)]
people = st.integers(min_value=0, max_value=11)
slots = st.sampled_from(range(len(SLOTS)))


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        store.client().flushdb()
        self.first = datetime.date.today() + datetime.timedelta(days=2)
        self.capacity = {slot: 3 for slot in range(len(SLOTS))}
        self.holds: dict[int, tuple[int, str]] = {}  # person -> (slot, reference)
        self.purged: set[str] = set()  # references whose personal data was purged
        Booking.objects.all().delete()
        ExportWatermark.objects.all().delete()
        for location in {location for location, _ in SLOTS}:
            centre_save(centre_id=location, name=location, state="MY-14")
        for location, offset in SLOTS:
            slot_set_capacity(location=location, date=self.day(offset), capacity=3)

    def day(self, offset: int) -> datetime.date:
        return self.first + datetime.timedelta(days=offset)

    def booked(self, slot: int) -> int:
        return sum(1 for held, _ in self.holds.values() if held == slot)

    @rule(person=people, slot=slots)
    def book(self, person: int, slot: int) -> None:
        location, offset = SLOTS[slot]
        request = booking_request(person, location=location, date=self.day(offset))
        try:
            confirmation = booking_create(request=request)
            outcome = "booked" if confirmation.created else "repeat"
        except BookingError as error:
            outcome, confirmation = error.code, None
        full = self.booked(slot) >= self.capacity[slot]
        if person in self.holds:
            held, reference = self.holds[person]
            # A full slot says so before the person is looked at, unless it is their own.
            # A purged booking keeps no phone to recognise a repeat by.
            repeat = held == slot and reference not in self.purged
            expected = "repeat" if repeat else "sold_out" if full else "already_registered"
            assert outcome == expected
            if confirmation:
                assert confirmation.reference == reference
        elif not full:
            assert outcome == "booked"
            assert confirmation
            self.holds[person] = (slot, confirmation.reference)
        else:
            assert outcome == "sold_out"

    @rule(person=people)
    def cancel(self, person: int) -> None:
        if person in self.holds:
            _, reference = self.holds[person]
            if reference in self.purged:  # long past: it stays
                assert not booking_cancel(reference=reference, by="test")
                return
            del self.holds[person]
            assert booking_cancel(reference=reference, by="test")
            assert not booking_cancel(reference=reference, by="test")

    @rule()
    def purge(self) -> None:
        """A year later: everything exported and relayed loses its personal data, but the log's
        last entry, which numbers the next booking."""
        bookings_export()
        outbox.outbox_group_create()
        read = outbox.outbox_read(consumer="test", count=10_000, block_ms=None)
        outbox.outbox_ack([entry for entry, _ in read])
        later = datetime.date.today() + datetime.timedelta(days=400)
        personal_data_purge(today=later, retention_days=30)
        last = reference_for(bookings.read_last_number() or 1)
        self.purged |= {reference for _, reference in self.holds.values() if reference != last}
        assert bookings_verify().differences == []

    @rule(slot=slots, capacity=st.integers(min_value=0, max_value=6))
    def change_capacity(self, slot: int, capacity: int) -> None:
        location, offset = SLOTS[slot]
        if capacity < self.booked(slot):
            with pytest.raises(CapacityError):
                slot_set_capacity(location=location, date=self.day(offset), capacity=capacity)
        else:
            slot_set_capacity(location=location, date=self.day(offset), capacity=capacity)
            self.capacity[slot] = capacity

    @invariant()
    def store_matches_the_model(self) -> None:
        found = store_slots.read_slots()
        capacities, booked = found.capacity, found.booked
        for slot, (location, offset) in enumerate(SLOTS):
            field = keys.slot_field(location, self.day(offset).isoformat())
            assert int(capacities[field]) == self.capacity[slot]
            assert int(booked.get(field, 0)) == self.booked(slot)
        assert store_problems() == []


def test_the_invariants_hold_over_random_sequences_of_operations(db, settings) -> None:
    settings.RATE_LIMIT_PER_ID = 0
    run_state_machine_as_test(
        BookingMachine,
        settings=hypothesis_settings(max_examples=60, stateful_step_count=30, deadline=None),
    )


# Two doses: first-dose slots, and the second-dose slots their ranges fall on (a short
# DOSE_INTERVAL_DAYS, so that ranges overlap and second doses run short before first doses do).
INTERVAL = (2, 3)
FIRSTS = [("WTCKL", 0), ("WTCKL", 1), ("UM", 0)]
SECONDS = [("WTCKL", 2), ("WTCKL", 3), ("WTCKL", 4), ("UM", 2), ("UM", 3)]
firsts = st.sampled_from(range(len(FIRSTS)))
seconds = st.sampled_from(range(len(SECONDS)))
# Few people, so that a person's steps follow one another (book, first dose given, then a no-show).
pairs_people = st.integers(min_value=0, max_value=4)
# The reference of a booking far beyond any a run makes: what is asked of a person holding none.
NOBODY_S = reference_for(10**9)


@dataclasses.dataclass
class Pair:
    """What the model says a person holds: a first dose, its second (a day offset, or None once
    let go), the booking's reference now, and the doses given."""

    first: int
    second: int | None
    reference: str
    given: int = 0


class TwoDoseMachine(RuleBasedStateMachine):
    """Booking, cancelling, moving (both doses, or the second alone), doses given, no-shows
    and second doses let go, against a model of both doses' places."""

    def __init__(self) -> None:
        super().__init__()
        store.client().flushdb()
        self.first = datetime.date.today() + datetime.timedelta(days=1)
        # No-shows are recorded as of a day when every dose's day has come.
        self.later = self.first + datetime.timedelta(days=30)
        self.capacity = {slot: 2 for slot in range(len(FIRSTS))}
        self.capacity2 = {slot: 1 for slot in range(len(SECONDS))}
        self.holds: dict[int, Pair] = {}
        for location in {location for location, _ in FIRSTS}:
            centre_save(centre_id=location, name=location, state="MY-14")
        for location, offset in FIRSTS:
            slot_set_capacity(
                location=location, date=self.day(offset), capacity=2, automatic_second=False
            )
        for location, offset in SECONDS:
            slot_set_capacity(location=location, date=self.day(offset), capacity=1, dose=2)

    def day(self, offset: int) -> datetime.date:
        return self.first + datetime.timedelta(days=offset)

    def booked(self, slot: int) -> int:
        return sum(1 for pair in self.holds.values() if pair.first == slot)

    def booked2(self, location: str, offset: int) -> int:
        return sum(
            1
            for pair in self.holds.values()
            if pair.second == offset and FIRSTS[pair.first][0] == location
        )

    def free2(self, location: str, offset: int, *, freed: tuple[str, int] | None = None) -> bool:
        if (location, offset) not in SECONDS:
            return False
        taken = self.booked2(location, offset) - ((location, offset) == freed)
        return taken < self.capacity2[SECONDS.index((location, offset))]

    def earliest_second(self, slot: int, *, freed: tuple[str, int] | None = None) -> int | None:
        """The second dose book.lua or move.lua takes for first-dose slot `slot`: the earliest
        day of its range with a place (`freed`: a second-dose place the move lets go)."""
        location, offset = FIRSTS[slot]
        days = range(offset + INTERVAL[0], offset + INTERVAL[1] + 1)
        return next((day for day in days if self.free2(location, day, freed=freed)), None)

    def person(self, person: int) -> BookingRequest:
        return booking_request(person, location="", date="")

    @rule(person=pairs_people, slot=firsts)
    def book(self, person: int, slot: int) -> None:
        location, offset = FIRSTS[slot]
        request = booking_request(person, location=location, date=self.day(offset))
        try:
            confirmation = booking_create(request=request)
            outcome = "booked" if confirmation.created else "repeat"
        except BookingError as error:
            outcome, confirmation = error.code, None
        second = self.earliest_second(slot)
        full = self.booked(slot) >= self.capacity[slot] or second is None
        held = self.holds.get(person)
        if held:
            expected = "repeat" if held.first == slot else "sold_out" if full else (
                "already_registered")  # fmt: skip
            assert outcome == expected
            if confirmation:
                assert confirmation.reference == held.reference
        elif full:
            assert outcome == "sold_out"
        else:
            assert outcome == "booked" and confirmation and second is not None
            assert confirmation.second_date == self.day(second).isoformat()
            self.holds[person] = Pair(slot, second, confirmation.reference)

    @rule(person=pairs_people)
    def cancel(self, person: int) -> None:
        held = self.holds.get(person)
        reference = held.reference if held else NOBODY_S
        # A booking whose first dose was given keeps its place (it was used).
        cancelled = held is not None and held.given == 0
        assert booking_cancel(reference=reference, by="test") == cancelled
        if cancelled:
            del self.holds[person]

    @rule(person=pairs_people, slot=firsts)
    def move(self, person: int, slot: int) -> None:
        held = self.holds.get(person)
        if not held:
            return
        location, offset = FIRSTS[slot]
        old_location, old_offset = FIRSTS[held.first]
        who = self.person(person)
        moved = bookings.move(
            id_type=who.id_type, id_number=who.id_number, phone=who.phone,
            number=number_for(held.reference) or 0,
            old_slot=keys.slot_field(old_location, self.day(old_offset).isoformat()),
            location=location, date=self.day(offset).isoformat(), offer_seconds=60,
            second_dates=second_dose_dates(self.day(offset).isoformat()),
        )  # fmt: skip
        freed = (old_location, held.second) if held.second is not None else None
        second = self.earliest_second(slot, freed=freed)
        if held.given:
            assert moved.outcome == "dose_given"
        elif slot == held.first:
            assert moved.outcome == "same_slot"
        elif self.booked(slot) >= self.capacity[slot] or second is None:
            assert moved.outcome == "sold_out"
        else:
            assert moved.outcome == "moved"
            assert moved.second_date == self.day(second).isoformat()
            # The doses given go along (lua/lib/doses_given.lua).
            self.holds[person] = Pair(slot, second, reference_for(moved.number), held.given)

    @rule(person=pairs_people, later=st.booleans())
    def move_second(self, person: int, later: bool) -> None:
        held = self.holds.get(person)
        if not held:
            return
        location, offset = FIRSTS[held.first]
        day = offset + INTERVAL[1 if later else 0]
        who = self.person(person)
        moved = bookings.move(
            id_type=who.id_type, id_number=who.id_number, phone=who.phone,
            number=number_for(held.reference) or 0,
            old_slot=keys.slot_field(location, self.day(offset).isoformat()),
            location=location, date=self.day(day).isoformat(), offer_seconds=60,
            second_dates=second_dose_dates(self.day(offset).isoformat()), second_only=True,
        )  # fmt: skip
        if held.given == 2:
            assert moved.outcome == "dose_given"
        elif held.second is None:
            assert moved.outcome == "unknown_slot"
        elif held.second == day:
            assert moved.outcome == "same_slot"
        elif not self.free2(location, day):
            assert moved.outcome == "sold_out"
        else:
            assert moved.outcome == "moved" and moved.second_date == self.day(day).isoformat()
            self.holds[person] = dataclasses.replace(
                held, second=day, reference=reference_for(moved.number)
            )

    def dose(self, person: int, event: DoseEvent) -> str:
        """Records `event` for the person's booking (or a booking nobody holds); the outcome."""
        held = self.holds.get(person)
        reference = held.reference if held else NOBODY_S
        try:
            result = dose_event(reference=reference, event=event, by="staff:test", today=self.later)
        except DoseError as error:
            return error.code
        if held and result.reference != held.reference:
            held.reference = result.reference
        return "done"

    def expected_for_second(self, held: Pair | None) -> str | None:
        """What a second dose let go answers, or None when it is let go."""
        if not held:
            return "not_found"
        if held.second is None:
            return "no_second"
        if held.given == 2:
            return "second_given"
        if held.given == 0:
            return "first_not_given"
        return None

    @rule(person=pairs_people)
    def first_given(self, person: int) -> None:
        held = self.holds.get(person)
        expected = "not_found" if not held else "already" if held.given else "done"
        assert self.dose(person, DoseEvent.FIRST_GIVEN) == expected
        if held and expected == "done":
            held.given = 1

    @rule(person=pairs_people)
    def second_given(self, person: int) -> None:
        held = self.holds.get(person)
        expected = (
            "not_found" if not held
            else "no_second" if held.second is None
            else "already" if held.given == 2
            else "first_not_given" if held.given == 0
            else "done"
        )  # fmt: skip
        assert self.dose(person, DoseEvent.SECOND_GIVEN) == expected
        if held and expected == "done":
            held.given = 2

    @rule(person=pairs_people)
    def no_show(self, person: int) -> None:
        held = self.holds.get(person)
        if held and held.given == 0:  # the first dose's: the booking is cancelled
            assert self.dose(person, DoseEvent.NO_SHOW) == "done"
            del self.holds[person]
            return
        expected = self.expected_for_second(held)
        assert self.dose(person, DoseEvent.NO_SHOW) == (expected or "done")
        if held and expected is None:
            held.second = None

    @rule(person=pairs_people)
    def cancel_second(self, person: int) -> None:
        held = self.holds.get(person)
        expected = self.expected_for_second(held)
        assert self.dose(person, DoseEvent.SECOND_CANCEL) == (expected or "done")
        if held and expected is None:
            held.second = None

    @rule(slot=seconds, capacity=st.integers(min_value=0, max_value=3))
    def change_capacity2(self, slot: int, capacity: int) -> None:
        location, offset = SECONDS[slot]
        if capacity < self.booked2(location, offset):
            with pytest.raises(CapacityError):
                slot_set_capacity(location=location, date=self.day(offset), capacity=capacity,
                                  dose=2)  # fmt: skip
        else:
            slot_set_capacity(location=location, date=self.day(offset), capacity=capacity, dose=2)
            self.capacity2[slot] = capacity

    @invariant()
    def both_doses_match_the_model(self) -> None:
        found = store_slots.read_slots()
        for slot, (location, offset) in enumerate(FIRSTS):
            field = keys.slot_field(location, self.day(offset).isoformat())
            assert found.booked.get(field, 0) == self.booked(slot)
        for slot, (location, offset) in enumerate(SECONDS):
            field = keys.slot_field(location, self.day(offset).isoformat())
            assert found.capacity2[field] == self.capacity2[slot]
            assert found.booked2.get(field, 0) == self.booked2(location, offset)
        for pair in self.holds.values():
            number = number_for(pair.reference) or 0
            entry = bookings.read_entry(number) or {}
            assert doses_given_read(number, entry) == pair.given
            second = self.day(pair.second).isoformat() if pair.second is not None else None
            assert entry.get("date2") == second
        assert store_problems() == []


def test_the_invariants_hold_for_both_doses_over_random_sequences(db, settings) -> None:
    settings.RATE_LIMIT_PER_ID = 0
    settings.DOSE_INTERVAL_DAYS = INTERVAL
    run_state_machine_as_test(
        TwoDoseMachine,
        settings=hypothesis_settings(max_examples=40, stateful_step_count=30, deadline=None),
    )
