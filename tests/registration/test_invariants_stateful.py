"""Random sequences of booking, repeating, cancelling, capacity changes and purges of personal
data, checked against a plain Python model of what should happen, with the store's invariants
checked after each step."""

import datetime

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from availability.services import CapacityError, centre_save, slot_set_capacity
from devstack.people import booking_request
from registration.references import reference_for
from registration.services import booking_cancel, booking_create
from vaksin import store
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, outbox
from vaksin.store import slots as store_slots
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
