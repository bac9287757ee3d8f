"""Waiting lists are fair: one list at a time per person and per phone (joining another moves
you), offers go to verified phones only, an unanswered offer lapses in OFFER_MINUTES (10), and a
waiter's personal data expires with the list and is purged.

Found on a running instance: one phone joined the lists of every full date, and a freed place
was offered to that bot's phone and held 30 minutes while real people waited behind it. Real
Redis and PostgreSQL throughout; where time must pass, the scripts are given a clock.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import replace
from io import StringIO
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from availability.services import slot_set_capacity
from devstack.people import book_someone, mykad, new_phone
from registration.services import BookingRequest, booking_cancel, booking_request_clean
from tests.slots import SlotMaker
from vaksin import store
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, outbox, waitlist
from vaksin.store.entries import LogEntry
from waitlist.services import waitlist_join, waitlist_sweep_once
from warehouse.purge import personal_data_purge

HOUR = 3600


def _full_dates(make_slot: SlotMaker, tomorrow: datetime.date, count: int) -> list[datetime.date]:
    """`count` dates at WTCKL, each with its one place booked by someone else."""
    days = [make_slot(capacity=1, date=tomorrow + datetime.timedelta(days=i)) for i in range(count)]
    for day in days:
        book_someone(location="WTCKL", date=day)
    return days


def _request(day: datetime.date, *, phone: str = "", person: str = "") -> BookingRequest:
    return booking_request_clean(
        id_type="mykad",
        id_number=person or mykad(),
        name="Nur Aisyah",
        phone=phone or new_phone(),
        email="",
        location="WTCKL",
        date=day.isoformat(),
        today=timezone.localdate(),
    )


def _join(request: BookingRequest, *, verified_for: int = HOUR) -> Any:
    """Joins from a phone verified for `verified_for` more seconds (the wizard's cookie, or an
    app's token, says until when)."""
    return waitlist_join(request=request, verified_until=int(time.time()) + verified_for)


def _lists_of(phone: str, days: list[datetime.date]) -> list[datetime.date]:
    """The dates whose list has `phone` in line, or holds an offer for it."""
    client = store.client()
    name = waitlist.waiter_name(phone)
    return [
        day
        for day in days
        if client.zscore(keys.waitlist_key(f"WTCKL|{day}"), name) is not None
        or client.hexists(keys.offer_key(f"WTCKL|{day}"), name)
    ]


def _records_naming(value: str, days: list[datetime.date]) -> int:
    """How many waiters' records (what they asked to book) hold `value`."""
    client = store.client()
    return sum(
        value in record
        for day in days
        for record in client.hgetall(keys.waiters_key(f"WTCKL|{day}")).values()
    )


def _offers() -> list[LogEntry]:
    return [entry for _, entry in bookings.read_entries(after=0, count=10_000)
            if entry["kind"] == "offered"]  # fmt: skip


# (a) One list at a time, per phone and per person ------------------------------------------


def test_one_phone_joining_every_full_date_in_the_wizard_ends_on_one_list(
    client: Client, walk, person: dict[str, str], make_slot: SlotMaker, tomorrow
) -> None:
    """The bot: one verified phone joins the list of every full date, as one person and then
    with a made-up ID number for each date. It stands in one line only, the last it joined, and
    the page says which list it left."""
    days = _full_dates(make_slot, tomorrow, 4)
    walk(person, location="WTCKL", date=days[0].isoformat(), until="centre")
    pages = []
    for day in days:
        joined = client.post("/register/waiting-list/", {"slot": f"WTCKL|{day}"})
        assert joined.status_code == 200
        pages.append(joined.content.decode())
    for day in days:  # and again, someone new each time
        changed = client.post("/register/id/", {"id_type": "mykad", "id_number": mykad()})
        assert changed.status_code == 303
        joined = client.post("/register/waiting-list/", {"slot": f"WTCKL|{day}"})
        assert joined.status_code == 200

    phone = "+60123456789"
    assert _lists_of(phone, days) == [days[-1]]
    assert _records_naming(phone, days) == 1
    assert "You have left the waiting list for Centre WTCKL" in pages[1]
    assert "You have left the waiting list" not in pages[0]
    assert store_problems() == []


def test_a_person_waits_on_one_list_whichever_phone_asks(make_slot: SlotMaker, tomorrow) -> None:
    """A person joined from two phones, and a family's phone for two persons: one place each.
    A phone that types someone's ID number is not told where that person waited."""
    first, second, third = _full_dates(make_slot, tomorrow, 3)
    person, mine, theirs = mykad(), new_phone(), new_phone()

    assert _join(_request(first, phone=mine, person=person)).left == []
    moved = _join(_request(second, phone=theirs, person=person))

    assert moved.left == []  # the person's place on `first` was mine, not this phone's
    assert _lists_of(mine, [first, second, third]) == []
    assert _lists_of(theirs, [first, second, third]) == [second]
    assert _records_naming(person, [first, second, third]) == 1

    # The family's phone now waits for another member, on another date: it moves, and says so.
    moved = _join(_request(third, phone=theirs))
    assert moved.left == [("WTCKL", second.isoformat())]
    assert _lists_of(theirs, [first, second, third]) == [third]
    assert _records_naming(person, [first, second, third]) == 0
    assert store_problems() == []


def test_moving_off_a_list_gives_a_held_offer_to_the_next_in_line(
    make_slot: SlotMaker, tomorrow
) -> None:
    first, second = _full_dates(make_slot, tomorrow, 2)
    mover, behind = _request(first), _request(first)
    _join(mover)
    _join(behind)
    assert booking_cancel(reference=_reference_on(first), by="staff:test")
    assert [offer["phone"] for offer in _offers()] == [mover.phone]

    assert _join(replace(mover, date=second.isoformat())).left == [("WTCKL", first.isoformat())]

    # The place the mover's offer held went at once to the next in line, in the same step.
    assert [offer["phone"] for offer in _offers()] == [mover.phone, behind.phone]
    assert waitlist.held_counts() == {f"WTCKL|{first}": 1}
    assert store_problems() == []


def _reference_on(day: datetime.date) -> str:
    from registration.references import reference_for

    for number, entry in bookings.read_entries(after=0, count=10_000):
        if entry["kind"] == "booked" and entry["date"] == day.isoformat():
            return reference_for(number)
    raise AssertionError(f"no booking on {day}")


# (b) Offers go to verified phones only -------------------------------------------------------


def test_a_phone_not_verified_cannot_join_in_the_wizard(client: Client, make_slot) -> None:
    day = make_slot(capacity=1)
    book_someone(location="WTCKL", date=day)

    answer = client.post("/register/waiting-list/", {"slot": f"WTCKL|{day}"})

    assert answer.status_code == 303 and answer["Location"] == "/register/phone/"
    assert waitlist.waitlist_slots() == []


def test_a_phone_not_verified_cannot_join_through_the_service(make_slot: SlotMaker) -> None:
    """The service every way of joining goes through (the wizard today, an app tomorrow)
    refuses a phone without a live verification, before anything is written."""
    day = make_slot(capacity=1)
    book_someone(location="WTCKL", date=day)
    for lapsed in (0, int(time.time()) - 1):
        with pytest.raises(BookingError) as refused:
            waitlist_join(request=_request(day), verified_until=lapsed)
        assert refused.value.code == "phone_unverified"
    assert waitlist.waitlist_slots() == []


def test_a_phone_whose_verification_lapsed_is_never_offered_a_place(
    make_slot: SlotMaker, tomorrow
) -> None:
    day = make_slot(capacity=1)
    book_someone(location="WTCKL", date=day)
    lapsing, verified = _request(day), _request(day)
    _join(lapsing, verified_for=60)
    _join(verified, verified_for=HOUR)
    slot_set_capacity(location="WTCKL", date=day, capacity=2)  # a place frees

    waitlist_sweep_once(now=int(time.time()) + 120)  # the first's verification has lapsed

    assert [offer["phone"] for offer in _offers()] == [verified.phone]
    assert _records_naming(lapsing.phone, [day]) == 0  # passed over, and forgotten
    assert store_problems() == []


# (c) An unanswered offer lapses in OFFER_MINUTES, 10 by default -----------------------------


def test_an_unanswered_offer_lapses_after_ten_minutes_to_the_next_in_line(
    settings, make_slot: SlotMaker
) -> None:
    assert settings.OFFER_MINUTES == 10
    day = make_slot(capacity=1)
    reference = book_someone(location="WTCKL", date=day)
    bot, person = _request(day), _request(day)
    _join(bot)
    _join(person)

    assert booking_cancel(reference=reference, by="staff:test")
    [offer] = _offers()
    assert offer["phone"] == bot.phone
    made, until = int(offer["at"]), int(offer["until"])
    assert until - made == 10 * 60

    assert waitlist_sweep_once(now=until - 1) == (0, 0)  # still the bot's
    assert waitlist_sweep_once(now=until) == (1, 1)  # lapsed: the next in line's

    assert [offer["phone"] for offer in _offers()] == [bot.phone, person.phone]
    assert store_problems() == []


# (d) A waiter's personal data expires with the list and is purged --------------------------


def test_a_waiters_personal_data_expires_with_the_list_and_is_purged(
    settings, make_slot: SlotMaker, tomorrow, redis_client: redis.Redis
) -> None:
    day = make_slot(capacity=1)
    reference = book_someone(location="WTCKL", date=day)
    waiters = [_request(day) for _ in range(3)]
    for waiter in waiters:
        _join(waiter)
    assert booking_cancel(reference=reference, by="staff:test")  # the first is offered it
    slot = f"WTCKL|{day}"

    # Every key holding a waiter's data, or naming their place, lapses with the list: the end
    # of its date in Malaysia, and a day's margin for the sweep to close it first.
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=2), datetime.time())
    )
    left = end.timestamp() - time.time()
    for key in (keys.waiters_key(slot), keys.waitlist_key(slot), keys.offer_key(slot)):
        assert abs(redis_client.ttl(key) - left) < 60, key
    for key in (
        keys.waiting_phone_key(waiters[1].phone),
        keys.waiting_person_key("mykad", waiters[1].id_number),
    ):
        assert abs(redis_client.ttl(key) - left) < 60, key

    # Later: a booking on another date (so the offer is not the log's last entry), the export
    # and the relay done with the log, and the date over.
    make_slot(capacity=5, date=tomorrow + datetime.timedelta(days=5))
    book_someone(location="WTCKL", date=tomorrow + datetime.timedelta(days=5))
    call_command("export_bookings", stdout=StringIO())
    outbox.outbox_group_create()
    outbox.outbox_ack([e for e, _ in outbox.outbox_read(consumer="t", count=100, block_ms=None)])

    summary = personal_data_purge(
        today=day + datetime.timedelta(days=1), retention_days=settings.RETENTION_DAYS
    )

    assert (summary.offers, summary.waiters) == (1, 3)
    everything = _redis_text(redis_client) + _database_text()
    for waiter in waiters:
        for value in (waiter.phone, waiter.phone[1:], waiter.id_number, waiter.name):
            assert value not in everything, value
    assert waitlist.waitlist_slots() == [] and waitlist.held_counts() == {}
    # The log still reads the offer, without the phone it was sent to.
    [offer] = _offers()
    assert (offer["phone"], offer["waiter"]) == ("", waitlist.waiter_name(waiters[0].phone))
    assert store_problems() == []


def _redis_text(client: Any) -> str:
    """Every key and value Redis holds, of every type, as one text: where personal data would
    show."""
    read: dict[str, Callable[[str], Any]] = {
        "stream": client.xrange,
        "hash": client.hgetall,
        "string": client.get,
        "set": client.smembers,
        "list": lambda key: client.lrange(key, 0, -1),
        "zset": lambda key: client.zrange(key, 0, -1),
    }
    parts = []
    for key in client.scan_iter(count=1000):
        kind = str(client.type(key))
        parts += [str(key), repr(read[kind](key)) if kind in read else ""]
    return "\n".join(parts)


def _database_text() -> str:
    """Every row of every PostgreSQL table, as one text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)
