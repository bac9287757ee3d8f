"""purge_personal_data: personal data has an end, and nothing else does.

Bookings are made through the store with dates in the past (the booking service refuses a past
date), then exported, then purged with the default RETENTION_DAYS.
"""

import datetime
from io import StringIO

import pytest
import redis
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devstack.people import mykad
from registration.references import reference_for
from registration.selectors import appointment_lookup
from registration.services import booking_cancel
from tests.slots import SlotMaker
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, outbox, purged
from vaksin.store.bookings import BookingArgs
from warehouse.export import bookings_verify
from warehouse.models import Booking, ExportWatermark
from warehouse.purge import personal_data_purge

OLD = datetime.date(2021, 6, 1)


def book(i: int, day: datetime.date, *, phone: str = "") -> int:
    outcome = bookings.book(
        BookingArgs(
            id_type="mykad",
            id_number=mykad(i),
            name=f"Person {i}",
            phone=phone or f"+6012{i:07d}",
            email=f"person{i}@example.com",
            location="WTCKL",
            date=day.isoformat(),
            lang="en",
        )
    )
    assert outcome.outcome == "booked", outcome
    return outcome.number


def personal(i: int) -> tuple[str, ...]:
    return (mykad(i), f"Person {i}", f"+6012{i:07d}", f"person{i}@example.com")


def redis_text(client: redis.Redis) -> str:
    """Every key and every value Redis holds, as one text: where personal data would show."""
    parts = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == "stream":
            parts.append(repr(client.xrange(key)))
        elif kind == "hash":
            parts.append(repr(client.hgetall(key)))
        elif kind == "string":
            parts.append(repr(client.get(key)))
        parts.append(str(key))
    return "\n".join(parts)


def export() -> None:
    call_command("export_bookings", stdout=StringIO())


def relay() -> None:
    """What the confirmations relay does with the log: read every new entry and acknowledge it."""
    outbox.outbox_group_create()
    read = outbox.outbox_read(consumer="test", count=10_000, block_ms=None)
    outbox.outbox_ack([entry for entry, _ in read])


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_and_new(make_slot: SlotMaker, tomorrow: datetime.date) -> dict[str, list[int]]:
    """Persons 1-3 booked an old slot and were exported, person 4 too but was not exported,
    persons 5-6 booked tomorrow (exported); person 7's booking, the log's last, is tomorrow's."""
    make_slot(date=OLD, capacity=10)
    make_slot(date=tomorrow, capacity=10)
    exported_old = [book(i, OLD) for i in (1, 2, 3)]
    new = [book(i, tomorrow) for i in (5, 6)]
    export()
    late = [book(4, OLD), book(7, tomorrow)]
    relay()
    return {"exported_old": exported_old, "new": new, "late": late}


def test_it_removes_personal_data_only_of_exported_bookings_past_retention(
    old_and_new: dict[str, list[int]], redis_client: redis.Redis
) -> None:
    before = redis_text(redis_client)
    assert all(value in before for i in range(1, 8) for value in personal(i))

    line = purge()

    assert line.startswith("Purged the personal data of 3 bookings dated before ")
    after = redis_text(redis_client)
    for i in (1, 2, 3):
        assert not any(value in after for value in personal(i)), i
    for i in (4, 5, 6, 7):  # not exported, or not old enough
        assert all(value in after for value in personal(i)), i
    for number in old_and_new["exported_old"]:
        entry = bookings.read_entry(number)
        assert entry is not None and purged.is_purged(entry)
        assert (entry["location"], entry["date"], entry["name"]) == ("WTCKL", "2021-06-01", "")


def test_a_booking_the_relay_has_not_finished_with_keeps_its_data(
    make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    make_slot(date=OLD)
    make_slot(date=tomorrow)
    first, second = book(1, OLD), book(2, OLD)
    book(3, tomorrow)
    export()
    outbox.outbox_group_create()
    read = outbox.outbox_read(consumer="test", count=10, block_ms=None)
    outbox.outbox_ack([read[0][0]])  # the second is read but not acknowledged: still pending

    assert personal_data_purge(today=timezone.localdate(), retention_days=90).purged == 1
    assert purged.is_purged(bookings.read_entry(first) or {})
    assert not purged.is_purged(bookings.read_entry(second) or {})


def test_a_booking_within_retention_keeps_its_data(
    make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    recent = timezone.localdate() - datetime.timedelta(days=10)
    make_slot(date=recent)
    make_slot(date=tomorrow)
    number = book(1, recent)
    book(2, tomorrow)
    export()
    relay()

    assert personal_data_purge(today=timezone.localdate(), retention_days=10).purged == 0
    assert personal_data_purge(today=timezone.localdate(), retention_days=9).purged == 1
    assert purged.is_purged(bookings.read_entry(number) or {})


def test_running_it_again_changes_nothing(
    old_and_new: dict[str, list[int]], redis_client: redis.Redis
) -> None:
    purge()
    redis_client.hdel(keys.METRICS, "purge:last_success")
    first = redis_text(redis_client)

    again = purge()

    assert again.startswith("Purged the personal data of 0 bookings")
    assert "3 were purged before" in again
    # Only the operators' record of the run moved.
    redis_client.hdel(keys.METRICS, "purge:last_success")
    assert redis_text(redis_client) == first


def test_a_dry_run_counts_and_changes_nothing(
    old_and_new: dict[str, list[int]], redis_client: redis.Redis
) -> None:
    before = redis_text(redis_client)

    line = purge("--dry-run")

    assert line.startswith("Would purge the personal data of 3 bookings")
    assert redis_text(redis_client) == before


def test_invariants_hold_and_the_export_still_verifies_exactly(
    old_and_new: dict[str, list[int]],
) -> None:
    booking_cancel(reference=reference_for(old_and_new["exported_old"][0]), by="test")
    export()
    purge()

    assert store_problems() == []
    out = StringIO()
    call_command("export_bookings", "--verify", stdout=out)
    assert "Verified: 6 active bookings, 0 second doses and 8 log entries match Redis." in (
        out.getvalue()
    )
    report = bookings_verify()
    assert report.differences == [] and report.redis_entries == 8


def test_the_invariant_checks_tell_a_purge_from_a_lost_entry(
    old_and_new: dict[str, list[int]], redis_client: redis.Redis
) -> None:
    purge()
    lost = old_and_new["new"][0]
    redis_client.xdel(keys.BOOKINGS, keys.entry_id(lost))

    assert f"booking {lost}: gone from the log, and not purged" in store_problems()


def test_a_warehouse_exported_again_after_a_purge_has_every_booking(
    old_and_new: dict[str, list[int]],
) -> None:
    export()
    purge()
    Booking.objects.all().delete()
    ExportWatermark.objects.update(last_number=0)

    export()

    assert bookings_verify().differences == []
    row = Booking.objects.get(number=old_and_new["exported_old"][0])
    assert (row.name, row.id_number, row.location_id) == ("", "", "WTCKL")


def test_the_look_up_says_the_personal_data_was_removed(
    old_and_new: dict[str, list[int]], client: Client
) -> None:
    purge()
    reference = reference_for(old_and_new["exported_old"][1])

    found = appointment_lookup(id_number=mykad(2), reference=reference, client_address="")
    page = client.post("/appointment/", {"id_number": mykad(2), "reference": reference})

    assert found is not None and found.purged and found.date == "2021-06-01"
    text = page.content.decode()
    assert page.status_code == 200 and reference in text
    assert "we have deleted your personal details" in text
    assert "No appointment matches" not in text
    # Someone else's ID number with this reference still learns nothing.
    other = client.post("/appointment/", {"id_number": mykad(5), "reference": reference})
    assert "No appointment matches" in other.content.decode()


def test_a_purged_booking_cannot_be_cancelled(old_and_new: dict[str, list[int]]) -> None:
    purge()
    number = old_and_new["exported_old"][0]

    assert booking_cancel(reference=reference_for(number), by="test") is False
    # The script refuses too, should a cancel read the entry just before the purge.
    assert bookings.cancel(
        id_type="mykad", id_number=mykad(1), phone="+60120000001", number=number,
        slot=f"WTCKL|{OLD}",
        by="t", reason="", offer_seconds=60,
    ) == "not_found"  # fmt: skip
    assert store_problems() == []


def test_the_logs_last_entry_is_kept_so_no_number_is_given_twice(
    make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    make_slot(date=OLD)
    make_slot(date=tomorrow)
    numbers = [book(i, OLD) for i in (1, 2)]
    export()
    relay()

    assert personal_data_purge(today=timezone.localdate(), retention_days=90).purged == 1
    assert not purged.is_purged(bookings.read_entry(numbers[-1]) or {})

    assert book(3, tomorrow) == numbers[-1] + 1
    assert store_problems() == []


def test_two_purges_at_once_purge_each_booking_once(old_and_new: dict[str, list[int]]) -> None:
    numbers = old_and_new["exported_old"]
    items = [
        purged.PurgeItem(
            number=n, record=purged.purge_record({}, persons=[], phones=[], purged_at=1)
        )
        for n in numbers
    ]

    # Both read the same bookings; the script decides, one booking at a time.
    assert purged.purge_batch(items) + purged.purge_batch(items) == 3
    assert purged.purged_count() == 3
    assert personal_data_purge(today=timezone.localdate(), retention_days=90).purged == 0


def test_a_purge_does_not_let_the_same_person_book_twice(
    old_and_new: dict[str, list[int]], redis_client: redis.Redis, make_slot: SlotMaker
) -> None:
    """Someone who knows person 1's ID number tries to book for them again once their old
    booking's data is gone; the person still holds that booking."""
    purge()
    later = timezone.localdate() + datetime.timedelta(days=2)
    make_slot(date=later)

    again = bookings.book(
        BookingArgs(
            id_type="mykad",
            id_number=mykad(1),
            name="Person 1",
            phone="+60129999999",
            email="",
            location="WTCKL",
            date=later.isoformat(),
            lang="en",
        )
    )

    assert again.outcome == "already_registered"
    assert store_problems() == []
    # Control: a purge that dropped the person's key (the tempting way to remove "everything")
    # would let the same person book a second time.
    for bucket, field in keys.person_keys("mykad", mykad(1)):
        redis_client.hdel(bucket, field)
    assert bookings.book(
        BookingArgs(
            id_type="mykad",
            id_number=mykad(1),
            name="Person 1",
            phone="+60129999999",
            email="",
            location="WTCKL",
            date=later.isoformat(),
            lang="en",
        )
    ).holds_place


def test_it_refuses_a_retention_shorter_than_the_setting(old_and_new: dict[str, list[int]]) -> None:
    with pytest.raises(CommandError, match="at least RETENTION_DAYS"):
        purge("--retention-days", "1")
    assert purge("--retention-days", "100000").startswith("Purged the personal data of 0")


def test_staff_see_that_a_purged_booking_has_no_personal_data_left(
    old_and_new: dict[str, list[int]], admin_client: Client
) -> None:
    purge()
    reference = reference_for(old_and_new["exported_old"][1])

    page = admin_client.get(reverse("admin:warehouse_booking_live", args=[reference]))

    text = page.content.decode()
    assert page.status_code == 200 and "Removed from Redis on" in text
    assert "Active" in text and "Cancel this booking" not in text
    assert not any(value in text for value in personal(2))
