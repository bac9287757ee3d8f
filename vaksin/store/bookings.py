"""Booking, cancelling and moving (one Lua script each), and reading the booking log.

The booking log is a stream whose entry ids are "<number>-0": a booking or a cancellation is
entry `number`, so a reference (which encodes the number) points straight at its entry.
"""

import time
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings

from vaksin.store import keys
from vaksin.store.connection import (
    NotReplicated,
    answering,
    client,
    run_script,
    run_script_replicated,
)
from vaksin.store.entries import LogEntry, Outcome
from vaksin.store.metrics import SERIES_KEEP_SECONDS, metrics_keys
from vaksin.store.purged import purged_count, purged_entry, read_purged


@dataclass(frozen=True)
class BookingOutcome:
    """What the booking script decided (see Outcome): booked or repeat (this person already
    holds this very slot, booked from this very phone) with the booking's number and window,
    or a refusal."""

    outcome: Outcome
    number: int = 0  # the booking's number, for BOOKED and REPEAT
    window: str = ""  # its arrival window, for BOOKED and REPEAT
    second_date: str = ""  # the second dose's date and window ("" when one dose is booked)
    second_window: str = ""
    retry_after: int = 0  # seconds, for RATE_LIMITED
    position: int | None = None  # the phone's place in the waiting room, for NOT_ADMITTED

    @property
    def holds_place(self) -> bool:
        return self.outcome in (Outcome.BOOKED, Outcome.REPEAT)


@dataclass(frozen=True)
class BookingArgs:
    """One booking asked of lua/registration/book.lua: the one place that turns it into the
    script's KEYS and ARGV, in the order the script reads them.

    `phone` is the verified phone the booking is made from: at most `phone_limit` active
    bookings each (0: no limit). Attempts are counted per minute for the phone (its own budget:
    the address it comes from may be a carrier's, shared with thousands) and for the person
    with this phone (so that nobody can use up another person's attempts), each only when its
    limit is set (0 turns it off). `idempotency` is the caller's key, already
    scoped to the caller. Unless `counted` is False (the bench's rival), the script counts its
    outcome for operators in the same step (vaksin/store/metrics.py). With `pass_ms` (the
    waiting room is on), the phone's ticket must have been admitted less than that long ago."""

    id_type: str
    id_number: str
    name: str
    phone: str
    email: str
    location: str
    date: str
    lang: str
    phone_rate_limit: int = 0
    person_limit: int = 0
    phone_limit: int = 0
    idempotency: str = ""
    counted: bool = True
    pass_ms: int | None = None
    now_ms: int | None = None  # the pass's clock; None: Redis's (tests give their own)
    # The second dose's dates at the same centre, earliest first; empty: one dose only.
    second_dates: tuple[str, ...] = ()

    def to_script(self) -> tuple[list[str], list[Any]]:
        (bucket, field), *older = keys.person_keys(self.id_type, self.id_number)
        (phone_bucket, phone_field), *older_phone = keys.phone_keys(self.phone)
        minute = int(time.time() // 60)
        phone_rate_key = (
            keys.rate_key("phone", phone_field, minute) if self.phone_rate_limit else ""
        )
        person_rate_key = (
            keys.rate_key("person", f"{field}:{phone_field}", minute) if self.person_limit else ""
        )
        slot = keys.slot_field(self.location, self.date)
        metrics_key, series_key = metrics_keys() if self.counted else ("", "")
        ticket_bucket, ticket_field = keys.ticket_key(self.phone) if self.pass_ms else ("", "")
        queue_keys = (
            [keys.QUEUE, keys.QUEUE_STEPS, keys.QUEUE_USED] if self.pass_ms else ["", "", ""]
        )
        script_keys = [
            keys.CAPACITY,  # KEYS[1]
            keys.BOOKED,
            bucket,
            keys.BOOKINGS,
            keys.CENTRES,  # KEYS[5]
            phone_rate_key,
            person_rate_key,
            keys.idempotency_key(self.idempotency) if self.idempotency else "",
            phone_bucket,
            metrics_key,  # KEYS[10]
            series_key,
            *queue_keys,  # KEYS[12..14]
            ticket_bucket,  # KEYS[15]
            keys.CAPACITY2,
            keys.BOOKED2,  # KEYS[17]
            *(old_bucket for old_bucket, _ in older + older_phone),
        ]
        script_args = [
            slot,  # ARGV[1]
            field,
            self.phone_rate_limit,
            self.person_limit,
            f"{field}|{slot}",  # ARGV[5]
            phone_field,
            self.phone_limit,
            self.id_type,  # ARGV[8..15]: the booking's own fields
            self.id_number,
            self.name,
            self.phone,
            self.email,
            self.location,
            self.date,
            self.lang,
            len(older),  # ARGV[16]
            SERIES_KEEP_SECONDS,
            ticket_field,
            self.pass_ms or 0,
            "" if self.now_ms is None else self.now_ms,  # ARGV[20]
            ",".join(self.second_dates),
            *(old_field for _, old_field in older + older_phone),
        ]
        return script_keys, script_args


def book(args: BookingArgs) -> BookingOutcome:
    """Runs the booking script: one round trip that decides and writes."""
    return booking_outcome(book_run("registration/book", *args.to_script()))


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
    if str(reply[0]) in (Outcome.BOOKED, Outcome.REPEAT) and acknowledged < replicas:
        # On the primary (and its disk) but not yet on enough replicas: a failover now could
        # lose it, so it is not reported as booked. Sent again, it answers "repeat" once the
        # replicas have it (or books afresh if the primary was lost meanwhile).
        raise NotReplicated(f"{acknowledged} of {replicas} replicas acknowledged")
    return reply


def booking_outcome(reply: list[Any]) -> BookingOutcome:
    """The booking script's reply, parsed."""
    outcome = Outcome(str(reply[0]))
    if outcome in (Outcome.BOOKED, Outcome.REPEAT):
        return BookingOutcome(
            outcome,
            number=int(reply[1]),
            window=str(reply[2]),
            second_date=str(reply[3]),
            second_window=str(reply[4]),
        )
    if outcome == Outcome.RATE_LIMITED:
        return BookingOutcome(outcome, retry_after=int(reply[1]))
    if outcome == Outcome.NOT_ADMITTED:
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
) -> str:
    """Cancels booking `number` if the person still holds it and no dose of it was given, and
    offers its place to the next waiter of its `slot` (read from the booking's entry) in the
    same step; returns "cancelled", "not_found" or "dose_given". See
    lua/registration/cancel_release.lua and lua/registration/cancel.lua."""
    names = keys.person_keys(id_type, id_number) + keys.phone_keys(phone)
    reply = run_script(
        "registration/cancel_release",
        keys=[
            keys.BOOKED,
            keys.BOOKINGS,
            keys.CAPACITY,
            *keys.waitlist_keys(slot),
            keys.BOOKED2,
            *(bucket for bucket, _ in names),
        ],
        args=[
            slot,
            offer_seconds,
            number,
            by,
            reason,
            len(names) // 2,
            keys.DOSES_PREFIX,
            keys.DOSES_BUCKET_SIZE,
            *(field for _, field in names),
        ],
    )
    return str(reply[0])


@dataclass(frozen=True)
class MoveOutcome:
    """What the move script decided: MOVED, NOT_FOUND, UNKNOWN_SLOT, SAME_SLOT, SOLD_OUT or
    DOSE_GIVEN (a dose was given: only a second not yet given may move)."""

    outcome: Outcome
    number: int = 0  # the new booking's number, for "moved"
    window: str = ""
    second_date: str = ""  # where its second dose is now ("" when one dose is booked)
    second_window: str = ""


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
    second_dates: tuple[str, ...] = (),
    second_only: bool = False,
) -> MoveOutcome:
    """Moves booking `number` (held by this person, booked with this phone, in `old_slot`) to
    another slot in one step, its second dose to the earliest of `second_dates` with a place;
    or, `second_only`, its second dose alone to `date` (one of `second_dates`). See
    lua/registration/move.lua."""
    names = keys.person_keys(id_type, id_number)
    reply = run_script(
        "registration/move",
        keys=[
            keys.CAPACITY,
            keys.BOOKED,
            keys.BOOKINGS,
            keys.CENTRES,
            *keys.waitlist_keys(old_slot),
            keys.CAPACITY2,
            keys.BOOKED2,
            *(bucket for bucket, _ in names),
        ],
        args=[number, phone, location, date, offer_seconds, ",".join(second_dates),
              "second" if second_only else "", keys.DOSES_PREFIX, keys.DOSES_BUCKET_SIZE,
              *(field for _, field in names)],
    )  # fmt: skip
    outcome = Outcome(str(reply[0]))
    if outcome == Outcome.MOVED:
        return MoveOutcome(
            outcome,
            number=int(reply[1]),
            window=str(reply[2]),
            second_date=str(reply[3]),
            second_window=str(reply[4]),
        )
    return MoveOutcome(outcome)


def transfer(
    *,
    id_type: str,
    id_number: str,
    number: int,
    old_phone: str,
    new_phone: str,
    name: str,
    lang: str,
    by: str,
) -> int | None:
    """Gives booking `number` (held by this person) to `new_phone`, in the person's own `name`,
    in one step; returns the new booking's number, or None when the person no longer holds it.
    See lua/registration/transfer.lua."""
    names = keys.person_keys(id_type, id_number) + keys.phone_keys(old_phone)
    new_bucket, new_field = keys.phone_key(new_phone)
    reply = run_script(
        "registration/transfer",
        keys=[keys.BOOKINGS, new_bucket, *(bucket for bucket, _ in names)],
        args=[number, new_field, new_phone, name, lang, by, len(names) // 2,
              *(field for _, field in names)],
    )  # fmt: skip
    return int(reply[1]) if reply[0] == "transferred" else None


def read_entry(number: int) -> LogEntry | None:
    """One entry of the booking log (a purged booking's compact record: see purged.py), or None."""
    pipe = client().pipeline(transaction=False)
    pipe.xrange(keys.BOOKINGS, keys.entry_id(number), keys.entry_id(number))
    pipe.hget(keys.purged_key(number), keys.purged_field(number))
    with answering():
        found, record = pipe.execute()
    if found:
        return cast(LogEntry, dict(found[0][1]))
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
    # redis-py gives each entry's fields as a dict of their own already: no copy.
    entries = [(keys.entry_number(entry), cast(LogEntry, fields)) for entry, fields in found]
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
