"""A booking the warehouse refuses is set aside: the export goes on with the rest, the watermark
moves, --verify names it and fails, operators see it, and a retry puts it in once the cause is
put right. Rows that PostgreSQL refuses cannot come through the door any more, so these tests
write them to the booking log directly, as an older release, a restored warehouse or a bug
would."""

import dataclasses
import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from devstack.people import booking_request
from registration.references import reference_for
from registration.services import booking_cancel, booking_create
from tests.operations.metrics_text import TOKEN, sample, scrape
from tests.slots import SlotMaker
from vaksin.store import bookings
from vaksin.store.bookings import BookingArgs
from warehouse.export import bookings_export, bookings_verify
from warehouse.models import Booking, ExportWatermark, SetAsideBooking
from warehouse.purge import personal_data_purge

TOO_LONG_EMAIL = "a" * 64 + "@" + "b" * 300 + ".my"


def book(i: int, day: datetime.date, **changes: str) -> str:
    request = dataclasses.replace(booking_request(i, location="WTCKL", date=day), **changes)
    return booking_create(request=request).reference


def book_past_the_door(i: int, day: datetime.date, **changes: str) -> str:
    """A booking written by the store alone, with values the door would refuse."""
    request = dataclasses.replace(booking_request(i, location="WTCKL", date=day), **changes)
    outcome = bookings.book(BookingArgs(**dataclasses.asdict(request)))
    assert outcome.outcome == "booked"
    return reference_for(outcome.number)


def export(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export_bookings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_refused_row_is_set_aside_and_the_rows_behind_it_are_exported(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=20)
    before = [book(i, day) for i in range(3)]
    refused = book_past_the_door(3, day, email=TOO_LONG_EMAIL)
    after = [book(i, day) for i in range(4, 7)]

    summary = bookings_export(chunk=50_000)

    assert summary.exported == 6 and summary.set_aside == 1
    assert set(Booking.objects.values_list("reference", flat=True)) == {*before, *after}
    assert ExportWatermark.objects.get().last_number == 7
    [row] = SetAsideBooking.objects.all()
    assert row.reference == refused and row.entry["email"] == TOO_LONG_EMAIL
    assert "too long" in row.error and "22001" in row.error
    # Nothing of the refused row's values in the reason: they may be personal data.
    assert TOO_LONG_EMAIL not in row.error


def test_verify_names_each_set_aside_booking_and_fails_until_it_is_dealt_with(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=20)
    book(1, day)
    refused = book_past_the_door(2, day, email=TOO_LONG_EMAIL)

    with pytest.raises(CommandError, match="Verify failed: 1 difference"):
        export("--verify")

    [difference] = bookings_verify().differences
    assert f"booking 2 ({refused}) was refused by the warehouse and set aside" in difference
    assert "value too long" in difference and "export_bookings --retry" in difference


def test_a_retry_after_the_cause_is_put_right_exports_it_with_its_cancellation(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=20)
    stale = book(1, day)
    export()
    # A warehouse restored from an old copy holds a row under number 2 that Redis gave anew.
    Booking.objects.create(
        number=2, reference="ZZZ-ZZZ-ZZZ", id_type="mykad", id_number="x", name="x", phone="x",
        location_id="WTCKL", date=day, arrival_window="09:00-09:30", booked_at=timezone.now(),
        exported_at=timezone.now(),
    )  # fmt: skip
    clashing = book(2, day)
    booking_cancel(reference=clashing, by="test")
    summary = bookings_export()
    assert summary.set_aside == 1
    assert SetAsideBooking.objects.get().cancelled_at is not None

    out, err = export("--retry")
    assert "0 now in the warehouse, 1 still refused" in out and clashing in err

    Booking.objects.filter(reference="ZZZ-ZZZ-ZZZ").delete()  # the cause, put right
    out, _ = export("--retry", "--verify")

    assert "1 now in the warehouse, 0 still refused" in out and "Verified" in out
    assert not SetAsideBooking.objects.exists()
    assert Booking.objects.get(reference=clashing).cancelled_at is not None
    assert Booking.objects.get(reference=stale).cancelled_at is None


def test_the_purge_keeps_the_data_of_a_booking_not_in_the_warehouse(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=20)
    refused = book_past_the_door(1, day, email=TOO_LONG_EMAIL)
    book(2, day)  # the log's last entry, which a purge always keeps
    export()

    summary = personal_data_purge(today=day + datetime.timedelta(days=400), retention_days=90)

    assert summary.purged == 0 and summary.kept == 2
    assert SetAsideBooking.objects.get().reference == refused


def test_operators_see_the_set_aside_rows_in_the_metrics_and_on_the_dashboard(
    make_slot: SlotMaker, admin_client: Client, settings
) -> None:
    settings.METRICS_TOKEN = TOKEN
    day = make_slot(capacity=20)
    book_past_the_door(1, day, email=TOO_LONG_EMAIL)
    book_past_the_door(2, day, lang="x" * 40)
    bookings_export()

    samples = scrape(Client())
    assert sample(samples, "vaksin_export_set_aside_rows") == 2
    assert sample(samples, "vaksin_export_set_aside_total") == 2
    dashboard = admin_client.get("/admin/operations/dashboard/").content.decode()
    assert "Set aside by the export" in dashboard
    listing = admin_client.get("/admin/warehouse/setasidebooking/")
    assert listing.status_code == 200
    assert "value too long" in listing.content.decode()


def test_an_export_the_warehouse_refuses_wholesale_names_the_cause(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=20)
    book(1, day)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registration_booking RENAME TO registration_booking_gone")

    with pytest.raises(CommandError) as refused:
        export()

    assert "PostgreSQL refused it" in str(refused.value)
    assert 'relation "registration_booking" does not exist' in str(refused.value)
    assert "could not be reached" not in str(refused.value)
