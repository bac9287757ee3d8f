"""Booking, cancelling and moving (one Lua script each), and reading the booking log.

The booking log is a stream whose entry ids are "<number>-0": a booking or a cancellation is
entry `number`, so a reference (which encodes the number) points straight at its entry.
"""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from vaksin.store import keys
from vaksin.store.connection import (
    NotReplicated,
    answering,
    client,
    run_script,
    run_script_replicated,
)
from vaksin.store.metrics import SERIES_KEEP_SECONDS, metrics_keys
from vaksin.store.purged import purged_count, purged_entry, read_purged

# A log entry's fields, e.g. {"kind": "booked", "id_type": ..., "location": ..., "window": ...}.
LogEntry = dict[str, str]


@dataclass(frozen=True)
class BookingOutcome:
    """What the booking script decided.

    outcome: "booked", "repeat" (this person already holds this very slot, booked from this very
    phone), "already_registered", "sold_out", "unknown_slot", "phone_limit", "rate_limited" or
    "idempotency_conflict", or "not_admitted" (the waiting room is on and this phone holds no
    valid pass).
    """

    outcome: str
    number: int = 0  # the booking's number, for "booked" and "repeat"
    window: str = ""  # its arrival window, for "booked" and "repeat"
    retry_after: int = 0  # seconds, for "rate_limited"
    position: int | None = None  # the phone's place in the waiting room, for "not_admitted"

    @property
    def holds_place(self) -> bool:
        return self.outcome in ("booked", "repeat")


def book(
    *,
    id_type: str,
    id_number: str,
    name: str,
    phone: str,
    email: str,
    location: str,
    date: str,
    lang: str,
    address: str = "",
    address_limit: int = 0,
    person_limit: int = 0,
    phone_limit: int = 0,
    idempotency: str = "",
    counted: bool = True,
    pass_ms: int | None = None,
) -> BookingOutcome:
    """Runs the booking script: one round trip that decides and writes. See lua/book.lua.

    `phone` is the verified phone the booking is made from: at most `phone_limit` active
    bookings each (0: no limit). Attempts are counted per minute for the client `address` and
    for the person with this phone (so that nobody can use up another person's attempts), each
    only when its limit is set (0 turns it off). `idempotency` is the caller's key, already
    scoped to the caller. Unless `counted` is False (the bench's rival), the script counts its
    outcome for operators in the same step (vaksin/store/metrics.py). With `pass_ms` (the
    waiting room is on), the phone's ticket must have been admitted less than that long ago
    (lua/queue.lua)."""
    script_keys, script_args = book_call(
        id_type=id_type,
        id_number=id_number,
        name=name,
        phone=phone,
        email=email,
        location=location,
        date=date,
        lang=lang,
        address=address,
        address_limit=address_limit,
        person_limit=person_limit,
        phone_limit=phone_limit,
        idempotency=idempotency,
        counted=counted,
        pass_ms=pass_ms,
    )
    return booking_outcome(book_run("book", script_keys, script_args))


def book_run(name: str, script_keys: list[str], script_args: list[Any]) -> list[Any]:
    """Runs a script that books (book.lua, or one that uses it); with REDIS_MIN_REPLICAS, a
    place it gives is reported only once that many replicas hold it too."""
    replicas = settings.REDIS_MIN_REPLICAS
    if not replicas:
        return run_script(name, keys=script_keys, args=script_args)
    reply, acknowledged = run_script_replicated(
        name,
        keys=script_keys,
        args=script_args,
        replicas=replicas,
        timeout_ms=settings.REDIS_WAIT_MS,
    )
    if str(reply[0]) in ("booked", "repeat") and acknowledged < replicas:
        # On the primary (and its disk) but not yet on enough replicas: a failover now could
        # lose it, so it is not reported as booked. Sent again, it answers "repeat" once the
        # replicas have it (or books afresh if the primary was lost meanwhile).
        raise NotReplicated(f"{acknowledged} of {replicas} replicas acknowledged")
    return reply


def book_call(
    *,
    id_type: str,
    id_number: str,
    name: str,
    phone: str,
    email: str,
    location: str,
    date: str,
    lang: str,
    address: str = "",
    address_limit: int = 0,
    person_limit: int = 0,
    phone_limit: int = 0,
    idempotency: str = "",
    counted: bool = True,
    pass_ms: int | None = None,
) -> tuple[list[str], list[Any]]:
    """The booking script's keys and arguments (see book()); the waiting list's acceptance of
    an offer passes the same to the same script."""
    (bucket, field), *older = keys.person_keys(id_type, id_number)
    (phone_bucket, phone_field), *older_phone = keys.phone_keys(phone)
    minute = int(time.time() // 60)
    address_rate_key = (
        keys.rate_key("address", address, minute) if address and address_limit else ""
    )
    person_rate_key = (
        keys.rate_key("person", f"{field}:{phone_field}", minute) if person_limit else ""
    )
    slot = keys.slot_field(location, date)
    metrics_key, series_key = metrics_keys() if counted else ("", "")
    ticket_bucket, ticket_field = keys.ticket_key(phone) if pass_ms else ("", "")
    queue_keys = [keys.QUEUE, keys.QUEUE_STEPS, keys.QUEUE_USED] if pass_ms else ["", "", ""]
    return (
        [
            keys.CAPACITY,
            keys.BOOKED,
            bucket,
            keys.BOOKINGS,
            keys.CENTRES,
            address_rate_key,
            person_rate_key,
            keys.idempotency_key(idempotency) if idempotency else "",
            phone_bucket,
            metrics_key,
            series_key,
            *queue_keys,
            ticket_bucket,
            *(old_bucket for old_bucket, _ in older + older_phone),
        ],
        [
            slot,
            field,
            address_limit,
            person_limit,
            f"{field}|{slot}",
            phone_field,
            phone_limit,
            id_type,
            id_number,
            name,
            phone,
            email,
            location,
            date,
            lang,
            len(older),
            SERIES_KEEP_SECONDS,
            ticket_field,
            pass_ms or 0,
            *(old_field for _, old_field in older + older_phone),
        ],
    )


def booking_outcome(reply: list[Any]) -> BookingOutcome:
    """The booking script's reply, parsed."""
    outcome = str(reply[0])
    if outcome in ("booked", "repeat"):
        return BookingOutcome(outcome, number=int(reply[1]), window=str(reply[2]))
    if outcome == "rate_limited":
        return BookingOutcome(outcome, retry_after=int(reply[1]))
    if outcome == "not_admitted":
        return BookingOutcome(outcome, position=int(reply[1]) if reply[1] != "" else None)
    return BookingOutcome(outcome)


def cancel(
    *,
    id_type: str,
    id_number: str,
    phone: str,
    number: int,
    slot: str,
    by: str,
    reason: str,
    offer_seconds: int,
) -> bool:
    """Cancels booking `number` if the person still holds it, and offers its place to the next
    waiter of its `slot` (read from the booking's entry) in the same step; see
    lua/cancel_release.lua and lua/cancel.lua."""
    names = keys.person_keys(id_type, id_number) + keys.phone_keys(phone)
    reply = run_script(
        "cancel_release",
        keys=[
            keys.BOOKED,
            keys.BOOKINGS,
            keys.CAPACITY,
            *keys.waitlist_keys(slot),
            *(bucket for bucket, _ in names),
        ],
        args=[
            slot,
            offer_seconds,
            number,
            by,
            reason,
            len(names) // 2,
            *(field for _, field in names),
        ],
    )
    return bool(reply[0] == "cancelled")


@dataclass(frozen=True)
class MoveOutcome:
    """What the move script decided: "moved", "not_found", "unknown_slot", "same_slot" or
    "sold_out"."""

    outcome: str
    number: int = 0  # the new booking's number, for "moved"
    window: str = ""


def move(
    *,
    id_type: str,
    id_number: str,
    phone: str,
    number: int,
    old_slot: str,
    location: str,
    date: str,
    offer_seconds: int,
) -> MoveOutcome:
    """Moves booking `number` (held by this person, booked with this phone, in `old_slot`) to
    another slot in one step; see lua/move.lua."""
    names = keys.person_keys(id_type, id_number)
    reply = run_script(
        "move",
        keys=[
            keys.CAPACITY,
            keys.BOOKED,
            keys.BOOKINGS,
            keys.CENTRES,
            *keys.waitlist_keys(old_slot),
            *(bucket for bucket, _ in names),
        ],
        args=[number, phone, location, date, offer_seconds, *(field for _, field in names)],
    )
    if reply[0] == "moved":
        return MoveOutcome("moved", number=int(reply[1]), window=str(reply[2]))
    return MoveOutcome(str(reply[0]))


def read_entry(number: int) -> LogEntry | None:
    """One entry of the booking log (a purged booking's compact record: see purged.py), or None."""
    pipe = client().pipeline(transaction=False)
    pipe.xrange(keys.BOOKINGS, keys.entry_id(number), keys.entry_id(number))
    pipe.hget(keys.purged_key(number), keys.purged_field(number))
    with answering():
        found, record = pipe.execute()
    if found:
        return dict(found[0][1])
    return purged_entry(record) if record else None


def read_person_number(id_type: str, id_number: str) -> int | None:
    """The number of the booking a person holds now, or None."""
    pipe = client().pipeline(transaction=False)
    for bucket, field in keys.person_keys(id_type, id_number):
        pipe.hget(bucket, field)
    with answering():
        return held_number(pipe.execute())


def held_number(values: list[str | None]) -> int | None:
    """The booking a person holds, from what their names (the current person key's, then the
    fallbacks') point at: the first that points anywhere."""
    return next((int(value) for value in values if value), None)


def _scan(pattern: str) -> dict[str, int]:
    """Every field of the bucket hashes matching `pattern`, by keys.bucketed_name. A full scan:
    for checks and audits, never for the request path."""
    found: dict[str, int] = {}
    with answering():
        for bucket in client().scan_iter(match=pattern, count=1000):
            for field, value in client().hgetall(bucket).items():
                found[keys.bucketed_name(bucket, field)] = int(value)
    return found


def scan_persons() -> dict[str, int]:
    """Every person holding a booking now -> the number of that booking."""
    return _scan(keys.PERSONS_PATTERN)


def scan_phones() -> dict[str, int]:
    """Every phone holding bookings now -> how many."""
    return _scan(keys.PHONES_PATTERN)


def read_entries(*, after: int, count: int, purged: bool = True) -> list[tuple[int, LogEntry]]:
    """Log entries numbered above `after`, oldest first: `count` of them as the log holds them,
    and, unless `purged` is False, the purged bookings numbered between them (as compact
    records, see purged.py). Numbers run without gaps, so a gap is a purged booking."""
    with answering():
        found = client().xrange(keys.BOOKINGS, f"({keys.entry_id(after)}", "+", count=count)
    entries = [(keys.entry_number(entry), dict(fields)) for entry, fields in found]
    if not purged or not entries or entries[-1][0] - after == len(entries):
        return entries
    held = {number for number, _ in entries}
    gaps = [number for number in range(after + 1, entries[-1][0]) if number not in held]
    entries += read_purged(gaps).items()
    return sorted(entries, key=lambda item: item[0])


def read_log_length() -> int:
    """Entries in the booking log: bookings plus cancellations, purged bookings included (their
    entries are deleted, their compact records kept; the log is otherwise never trimmed)."""
    with answering():
        return int(client().xlen(keys.BOOKINGS)) + purged_count()


def read_last_number() -> int:
    with answering():
        last = client().xrevrange(keys.BOOKINGS, "+", "-", count=1)
    return keys.entry_number(last[0][0]) if last else 0
