"""Personal data has an end everywhere Redis keeps it: after the purge has passed a round's
dates, no ID number, name, phone or e-mail of anyone who booked, cancelled, moved, waited on a
list, left one, or was offered a place is left in any key of any type."""

import datetime
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from devstack.people import mykad
from tests.slots import SlotMaker
from vaksin.store import bookings, keys, outbox
from vaksin.store import client as redis_client
from vaksin.store.bookings import BookingArgs
from vaksin.store.waitlist import waitlist_join
from waitlist.services import list_expires_at
from warehouse.purge import personal_data_purge


def person(i: int, day: datetime.date) -> BookingArgs:
    return BookingArgs(
        id_type="mykad", id_number=mykad(i), name=f"Person Number{i}", phone=f"+6013{i:07d}",
        email=f"person{i}@example.com", location="WTCKL", date=day.isoformat(), lang="en",
    )  # fmt: skip


def personal(i: int) -> list[str]:
    """What would give person i away: ID number, name, phone (as stored and its digits), e-mail."""
    return [mykad(i), f"Person Number{i}", f"+6013{i:07d}", f"13{i:07d}", f"person{i}@example"]


def everything_in_redis() -> str:
    """Every key and every value Redis holds, of every type, as one text."""
    db, parts = redis_client(), []
    for key in db.scan_iter(count=1000):
        kind = db.type(key)
        parts.append(key)
        if kind == "string":
            parts.append(repr(db.get(key)))
        elif kind == "hash":
            parts.append(repr(db.hgetall(key)))
        elif kind == "stream":
            parts.append(repr(db.xrange(key)))
        elif kind == "set":
            parts.append(repr(db.smembers(key)))
        elif kind == "zset":
            parts.append(repr(db.zrange(key, 0, -1)))
        elif kind == "list":
            parts.append(repr(db.lrange(key, 0, -1)))
    return "\n".join(parts)


def join(i: int, day: datetime.date) -> None:
    waiting = waitlist_join(
        person(i, day),
        verified_until=int(time.time()) + 3600,
        expires_at=list_expires_at(day.isoformat()),
        offer_seconds=600,
    )
    assert waiting.outcome == "waiting", waiting


def cancel(i: int, day: datetime.date, number: int) -> None:
    assert bookings.cancel(
        id_type="mykad", id_number=mykad(i), phone=f"+6013{i:07d}", number=number,
        slot=keys.slot_field("WTCKL", day.isoformat()), by="person", reason="", offer_seconds=600,
    ) == "cancelled"  # fmt: skip


@pytest.mark.django_db
def test_no_personal_data_is_left_once_the_purge_has_passed_the_dates(
    make_slot: SlotMaker, tomorrow: datetime.date
) -> None:
    full, other, roomy, later = (tomorrow + datetime.timedelta(days=n) for n in range(4))
    make_slot(date=full, capacity=1)
    make_slot(date=other, capacity=1)
    make_slot(date=roomy, capacity=5)
    make_slot(date=later, capacity=5)
    first = bookings.book(person(1, full)).number
    bookings.book(person(2, other))
    join(3, full)  # offered person 1's place when it is cancelled
    join(4, full)
    join(4, other)  # leaves the first list for this one
    join(5, other)
    cancel(1, full, first)
    moved = bookings.book(person(6, roomy)).number
    assert bookings.move(
        id_type="mykad", id_number=mykad(6), phone=f"+6013{6:07d}", number=moved,
        old_slot=keys.slot_field("WTCKL", roomy.isoformat()), location="WTCKL",
        date=later.isoformat(), offer_seconds=600,
    ).outcome == "moved"  # fmt: skip
    cancel(7, roomy, bookings.book(person(7, roomy)).number)
    bookings.book(person(8, later))  # the log's last entry: it keeps its data (numbers)
    call_command("export_bookings", stdout=StringIO())
    outbox.outbox_group_create()
    read = outbox.outbox_read(consumer="test", count=10_000, block_ms=None)
    outbox.outbox_ack([entry for entry, _ in read])
    text = everything_in_redis()
    assert all(value in text for i in range(1, 8) for value in personal(i)[:3])  # the control
    # What waiters asked to book expires with their list's date, whatever runs or does not.
    lists = list(redis_client().scan_iter(match=f"{keys.PREFIX}:waiters:*"))
    assert lists
    for key in lists:
        ends = list_expires_at(key.rsplit("|", 1)[1])
        assert 0 < redis_client().ttl(key) <= ends - time.time() + 1

    after = later + datetime.timedelta(days=settings.RETENTION_DAYS + 1)
    personal_data_purge(today=after, retention_days=settings.RETENTION_DAYS)
    text = everything_in_redis()
    left = [value for i in range(1, 8) for value in personal(i) if value in text]
    assert left == [], [line for line in text.splitlines() if any(v in line for v in left)]
