"""The purge and a booking's second dose: the compact record keeps the second dose's date and
window as it keeps the first's, and a booking is purged only once its last dose is past
retention (the person needs the look-up and their confirmation until the second appointment)."""

import datetime
from io import StringIO

from django.core.management import call_command

from availability.services import slot_set_capacity
from devstack.people import mykad
from registration.references import reference_for
from registration.services import booking_cancel
from tests.slots import SlotMaker
from vaksin.invariants import store_problems
from vaksin.store import bookings, outbox, purged
from vaksin.store.bookings import BookingArgs
from warehouse.purge import personal_data_purge

FIRST = datetime.date(2021, 6, 1)
RETENTION = 90


def book(i: int, day: datetime.date, second: datetime.date | None) -> int:
    outcome = bookings.book(
        BookingArgs(
            id_type="mykad", id_number=mykad(i), name=f"Person {i}", phone=f"+6012{i:07d}",
            email=f"person{i}@example.com", location="WTCKL", date=day.isoformat(), lang="en",
            second_dates=(second.isoformat(),) if second else (),
        )
    )  # fmt: skip
    assert outcome.outcome == "booked", outcome
    return outcome.number


def export_and_relay() -> None:
    call_command("export_bookings", stdout=StringIO())
    outbox.outbox_group_create()
    read = outbox.outbox_read(consumer="test", count=10_000, block_ms=None)
    outbox.outbox_ack([entry for entry, _ in read])


def test_a_purged_booking_keeps_its_second_dose_and_waits_for_it(
    make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    make_slot(date=FIRST, capacity=10)
    make_slot(date=tomorrow, capacity=10)
    early, late = FIRST + datetime.timedelta(days=56), FIRST + datetime.timedelta(days=84)
    for day in (early, late):
        slot_set_capacity(location="WTCKL", date=day, capacity=10, dose=2)
    both_past = book(1, FIRST, early)
    one_dose = book(2, FIRST, None)
    second_to_come = book(3, FIRST, late)
    cancelled = book(4, FIRST, early)
    booking_cancel(reference=reference_for(cancelled), by="test")
    book(5, tomorrow, None)  # the log's last entry, which a purge always keeps
    export_and_relay()
    # The first doses are past retention; only the first booking's second dose is too.
    today = early + datetime.timedelta(days=RETENTION + 1)

    summary = personal_data_purge(today=today, retention_days=RETENTION)

    assert (summary.purged, summary.cancellations) == (3, 1)
    record = bookings.read_entry(both_past)
    assert record is not None and purged.is_purged(record)
    assert (record["date"], record["date2"]) == (FIRST.isoformat(), early.isoformat())
    assert record["window2"] and record["name"] == ""
    single = bookings.read_entry(one_dose)
    assert single is not None and purged.is_purged(single) and "date2" not in single
    waiting = bookings.read_entry(second_to_come)
    assert waiting is not None and not purged.is_purged(waiting)
    assert waiting["name"] == "Person 3"
    assert store_problems() == []
