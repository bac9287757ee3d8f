"""export_bookings: exact, incremental, idempotent, safe twice at once, cancellations carried."""

import dataclasses
import datetime
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from devstack.environment import stack_environment
from devstack.people import booking_request
from devstack.processes import ROOT
from registration.services import booking_cancel, booking_create
from tests.slots import SlotMaker
from warehouse.export import bookings_export, bookings_verify
from warehouse.models import Booking, ExportWatermark


def book(i: int, day: datetime.date, location: str = "WTCKL", **changes: str) -> str:
    request = dataclasses.replace(booking_request(i, location=location, date=day), **changes)
    return booking_create(request=request).reference


def export() -> str:
    out = StringIO()
    call_command("export_bookings", "--verify", stdout=out)
    return out.getvalue()


def test_exporting_twice_adds_nothing_and_the_warehouse_equals_redis(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(location="WTCKL", capacity=20)
    make_slot(location="PWTC", capacity=20)
    references = [book(i, day) for i in range(8)] + [book(i, day, "PWTC") for i in range(8, 12)]

    first, second = export(), export()

    assert first.startswith("Exported 12 bookings (0 cancellations); Redis holds 12 active")
    assert second.startswith("Exported 0 bookings (0 cancellations); Redis holds 12 active")
    assert "Verified" in second
    assert sorted(Booking.objects.values_list("reference", flat=True)) == sorted(references)
    assert ExportWatermark.objects.get().last_number == 12


def test_an_exported_row_carries_every_field_of_the_booking(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    reference = book(
        1, day, email="siti@example.com", lang="ms", name="Siti Nurhaliza binti Taruddin"
    )

    export()

    row = Booking.objects.get(reference=reference)
    assert (row.id_type, row.location_id, row.date, row.lang) == ("mykad", "WTCKL", day, "ms")
    assert (row.name, row.email) == ("Siti Nurhaliza binti Taruddin", "siti@example.com")
    assert row.arrival_window == "09:00-09:30"
    assert row.cancelled_at is None and row.booked_at <= row.exported_at


def test_a_cancelled_booking_is_marked_cancelled_in_the_warehouse(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    early, late, kept = book(1, day), book(2, day), book(3, day)
    booking_cancel(reference=early, by="test")
    export()
    booking_cancel(reference=late, by="test")

    output = export()

    assert output.startswith("Exported 0 bookings (1 cancellations); Redis holds 1 active")
    cancelled = set(
        Booking.objects.filter(cancelled_at__isnull=False).values_list("reference", flat=True)
    )
    assert cancelled == {early, late}
    assert Booking.objects.get(reference=kept).cancelled_at is None


def test_a_person_who_cancelled_and_booked_again_has_one_active_row(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    first = book(1, day)
    booking_cancel(reference=first, by="test")
    second = book(1, day)

    export()

    assert Booking.objects.filter(cancelled_at__isnull=True).get().reference == second
    assert bookings_verify().differences == []


def test_verify_fails_when_the_warehouse_lost_a_row(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    references = [book(i, day) for i in range(3)]
    export()
    Booking.objects.filter(reference=references[1]).delete()

    with pytest.raises(CommandError, match="Verify failed"):
        export()

    differences = bookings_verify().differences
    assert any("Redis holds 3 active bookings, the warehouse 2" in d for d in differences)


def test_an_export_re_reading_exported_entries_adds_no_duplicates(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=10)
    [book(i, day) for i in range(6)]
    bookings_export(chunk=4)
    ExportWatermark.objects.update(last_number=0)  # as after restoring an old watermark

    summary = bookings_export(chunk=4)

    assert summary.exported == 0 and summary.entries == 6
    assert Booking.objects.count() == 6


@pytest.mark.e2e
def test_two_exports_at_once_write_each_booking_once(
    transactional_db: None, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=500)
    references = [book(i, day) for i in range(300)]
    for reference in references[::10]:
        booking_cancel(reference=reference, by="test")
    command = [sys.executable, "manage.py", "export_bookings", "--chunk", "7"]
    env = stack_environment()

    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=60)[0].decode() for run in runs]

    assert [run.returncode for run in runs] == [0, 0]
    exported = sorted(int(output.split()[1]) for output in outputs)
    assert sum(exported) == 300
    assert Booking.objects.count() == 300
    assert Booking.objects.filter(cancelled_at__isnull=False).count() == 30
    assert bookings_verify().differences == []


def test_moves_and_waiting_list_offers_export_exactly(make_slot: SlotMaker, tomorrow) -> None:
    from appointments.services import appointment_cancel, appointment_current, appointment_move
    from registration.references import number_for
    from waitlist.services import waitlist_join

    day = make_slot(location="WTCKL", capacity=2)
    later = make_slot(location="WTCKL", capacity=5, date=tomorrow + datetime.timedelta(days=1))
    references = [book(i, day) for i in range(2)]
    held = [
        appointment_current(
            number=number_for(reference) or 0, id_type="mykad", id_number=booking_request(
                i, location="WTCKL", date=day).id_number
        )
        for i, reference in enumerate(references)
    ]  # fmt: skip
    waitlist_join(
        request=booking_request(7, location="WTCKL", date=day),
        verified_until=int(datetime.datetime.now().timestamp()) + 3600,  # a verified phone
    )
    assert held[0] and held[1]
    appointment_move(appointment=held[0], slot=f"WTCKL|{later}")  # frees a place: offered
    appointment_cancel(appointment=held[1])  # frees a place: nobody left waiting

    summary = export()

    assert "Verified" in summary
    assert Booking.objects.filter(cancelled_at__isnull=True).count() == 1
    assert bookings_verify().differences == []
