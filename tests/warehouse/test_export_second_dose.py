"""Both doses of a booking in its one warehouse row: second_date and second_arrival_window, NULL
for a booking of one dose (every booking made before two doses). A move, a second dose let go
and a refused row set aside and retried carry them as the log does; --verify counts second doses
slot by slot; and any value the door lets through comes back from the table as it went in."""

import dataclasses
import datetime
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.services import appointment_current, appointment_move
from devstack.people import booking_request
from registration.references import number_for, reference_for
from registration.services import booking_create
from tests.slots import SlotMaker
from vaksin.store import bookings, doses
from vaksin.store.bookings import BookingArgs
from vaksin.store.entries import LogEntry
from warehouse.export import bookings_verify
from warehouse.models import Booking, SetAsideBooking
from warehouse.rows import booking_rows, bookings_write


def book(i: int, day: datetime.date) -> str:
    return booking_create(request=booking_request(i, location="WTCKL", date=day)).reference


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_bookings", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def entry_of(reference: str) -> LogEntry:
    return bookings.read_entry(number_for(reference) or 0) or {}


def test_a_booking_with_a_second_dose_exports_both_doses_in_its_row(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    reference = book(1, day)
    entry = entry_of(reference)
    assert entry["date2"] and entry["window2"]  # the booking script gave it a second dose

    out = export("--verify")

    row = Booking.objects.get(reference=reference)
    assert (row.date, row.arrival_window) == (day, entry["window"])
    assert row.second_date == datetime.date.fromisoformat(entry["date2"])
    assert row.second_arrival_window == entry["window2"]
    assert "Verified: 1 active bookings, 1 second doses" in out


def test_a_booking_of_one_dose_exports_nulls_for_the_second(make_slot: SlotMaker) -> None:
    """As every booking made before two doses: its entry has no date2 nor window2."""
    day = make_slot(capacity=5)
    request = booking_request(2, location="WTCKL", date=day)
    outcome = bookings.book(BookingArgs(**dataclasses.asdict(request)))  # no second_dates
    assert outcome.outcome == "booked" and "date2" not in entry_of(reference_for(outcome.number))

    out = export("--verify")

    row = Booking.objects.get(number=outcome.number)
    assert row.second_date is None and row.second_arrival_window is None
    assert "Verified: 1 active bookings, 0 second doses" in out


def test_a_move_and_a_second_dose_let_go_replace_the_row_as_the_log_does(
    make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    day = make_slot(capacity=5)
    later = make_slot(capacity=5, date=tomorrow + datetime.timedelta(days=1))
    moved, kept = book(1, day), book(2, day)
    export()
    held = appointment_current(
        number=number_for(moved) or 0, id_type="mykad", id_number=entry_of(moved)["id_number"]
    )
    assert held is not None
    new = appointment_move(appointment=held, slot=f"WTCKL|{later}")
    # The first dose given, then the second let go: a booking without one replaces it.
    kept_entry = entry_of(kept)
    person = {"id_type": "mykad", "id_number": kept_entry["id_number"]}
    assert doses.dose_given(**person, number=number_for(kept) or 0, dose=1) == "recorded"
    let_go = doses.second_cancel(**person, number=number_for(kept) or 0, by="test", reason="t")

    out = export("--verify")

    assert "Verified: 2 active bookings, 1 second doses" in out
    old, now = Booking.objects.get(reference=moved), Booking.objects.get(reference=new.reference)
    assert old.cancelled_at is not None and now.cancelled_at is None
    assert (now.date, now.second_date) == (
        later,
        datetime.date.fromisoformat(entry_of(new.reference)["date2"]),
    )
    replaced = Booking.objects.get(number=let_go.number)
    assert Booking.objects.get(reference=kept).cancelled_at is not None
    assert replaced.date == day and replaced.cancelled_at is None
    assert replaced.second_date is None and replaced.second_arrival_window is None


def test_a_row_set_aside_and_retried_keeps_its_second_dose(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    # A warehouse restored from an old copy holds a row under the number Redis gives next.
    Booking.objects.create(
        number=1, reference="ZZZ-ZZZ-ZZZ", id_type="mykad", id_number="x", name="x", phone="x",
        location_id="WTCKL", date=day, arrival_window="09:00-09:30", booked_at=timezone.now(),
        exported_at=timezone.now(),
    )  # fmt: skip
    reference = book(1, day)
    export()
    assert SetAsideBooking.objects.get().entry["date2"] == entry_of(reference)["date2"]
    # Its second dose counted where the warehouse would hold it: no second-dose difference.
    assert not [d for d in bookings_verify().differences if "second doses" in d]

    Booking.objects.filter(reference="ZZZ-ZZZ-ZZZ").delete()  # the cause, put right
    out = export("--retry", "--verify")

    row = Booking.objects.get(reference=reference)
    assert row.second_date == datetime.date.fromisoformat(entry_of(reference)["date2"])
    assert row.second_arrival_window == entry_of(reference)["window2"]
    assert "Verified: 1 active bookings, 1 second doses" in out


def test_verify_names_a_second_dose_the_warehouse_lost(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    reference = book(1, day)
    export()
    Booking.objects.filter(reference=reference).update(second_date=None)

    differences = bookings_verify().differences

    date2 = entry_of(reference)["date2"]
    assert differences == [
        f"WTCKL {date2}: Redis holds 1 second doses of active bookings, the warehouse 0"
    ]


# What the door lets through, and more: the COPY text must carry every character as it is (but
# NUL, which PostgreSQL cannot hold: such a row is set aside).
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=TEXT,
    email=TEXT,
    id_number=TEXT,
    second=st.one_of(st.none(), st.dates(datetime.date(2021, 1, 1), datetime.date(2030, 12, 31))),
    window2=st.sampled_from(["", "10:00-10:30", "a\\b\tc"]),
)
def test_any_values_come_back_from_the_warehouse_as_they_went_in(
    db: None,
    name: str,
    email: str,
    id_number: str,
    second: datetime.date | None,
    window2: str,
) -> None:
    entry: LogEntry = {
        "kind": "booked", "id_type": "mykad", "id_number": id_number, "name": name,
        "phone": "+60123456789", "email": email, "location": "WTCKL", "date": "2021-06-01",
        "window": "09:00-09:30", "lang": "ms", "at": "1622170800",
    }  # fmt: skip
    if second:
        entry |= {"date2": second.isoformat(), "window2": window2}
    with transaction.atomic():
        added, refused = bookings_write(booking_rows([(7, entry)], exported_at=timezone.now()))
        row = Booking.objects.get(number=7)
        transaction.set_rollback(True)

    assert (added, refused) == (1, [])
    assert (row.name, row.email, row.id_number) == (name, email, id_number)
    assert row.second_date == second
    assert row.second_arrival_window == (window2 or None if second else None)
    assert row.reference == reference_for(7)
    assert row.booked_at == datetime.datetime(2021, 5, 28, 3, 0, tzinfo=datetime.UTC)
