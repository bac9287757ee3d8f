"""The one door to Redis, the system of record for slots and bookings until they are exported.

Everything that touches Redis goes through here: the lazy client, the key names, the Lua
scripts and the one exception type. The layout is written down in docs/redis.md.

Every key carries the hash tag {vk}: the booking script touches a slot, a person and the
booking log at once, and Redis Cluster only runs a script whose keys share one hash slot.
"""

import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from redis.commands.core import Script

PREFIX = "{vk}"
CENTRES = f"{PREFIX}:centres"
CAPACITY = f"{PREFIX}:capacity"
BOOKED = f"{PREFIX}:booked"
BOOKINGS = f"{PREFIX}:bookings"
# 65,536 buckets keep each person hash small enough for Redis's compact listpack encoding
# (a few dozen people each at 3 million), which is most of the memory saved per booking.
BUCKET_HEX_DIGITS = 4
PERSON_FIELD_HEX_DIGITS = 24


class StoreError(Exception):
    """Redis could not be reached or did not answer in time: the caller should try again later."""


@cache
def client() -> Any:
    """The shared client (a redis.Redis with decode_responses=True).

    Typed Any on purpose: redis-py's annotations cannot express decode_responses, so they type
    every reply as bytes | str | None; the functions below state what they really return.
    """
    return redis.Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
    )


@contextmanager
def _answering() -> Iterator[None]:
    """Turns a Redis that cannot be reached, or is too busy to answer, into StoreError."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError, redis.exceptions.BusyLoadingError) as error:
        raise StoreError(str(error)) from error


@cache
def _script(name: str) -> Script:
    # register_script calls by SHA and reloads the source only when Redis has forgotten it.
    source = (Path(__file__).parent / "lua" / f"{name}.lua").read_text()
    return client().register_script(source)


def run_script(name: str, *, keys: list[str], args: list[Any]) -> list[Any]:
    with _answering():
        return _script(name)(keys=keys, args=args)


def slot_field(location: str, date: str) -> str:
    return f"{location}|{date}"


def person_key(id_type: str, id_number: str) -> tuple[str, str]:
    """The bucket key and field naming one person: a keyed HMAC, never the ID number itself."""
    digest = hmac.new(
        settings.PERSON_KEY_SECRET.encode(), f"{id_type}:{id_number}".encode(), hashlib.sha256
    ).hexdigest()
    bucket, field = digest[:BUCKET_HEX_DIGITS], digest[BUCKET_HEX_DIGITS:][:PERSON_FIELD_HEX_DIGITS]
    return f"{PREFIX}:persons:{bucket}", field


def rate_key(kind: str, subject: str, minute: int) -> str:
    return f"{PREFIX}:rate:{kind}:{subject}:{minute}"


def idempotency_key(key: str) -> str:
    return f"{PREFIX}:idempotency:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def entry_id(number: int) -> str:
    return f"{number}-0"


def entry_number(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


@dataclass(frozen=True)
class BookingRequest:
    id_type: str
    id_number: str
    name: str
    phone: str
    email: str
    location: str
    date: str
    lang: str


def book(
    request: BookingRequest,
    *,
    address: str = "",
    address_limit: int = 0,
    person_limit: int = 0,
    idempotency: str = "",
) -> list[str]:
    """Runs the booking script: one round trip that decides and writes. See lua/book.lua.

    Attempts are counted per minute for the client `address` and for the person, each only when
    its limit is set (0 turns it off)."""
    bucket, field = person_key(request.id_type, request.id_number)
    minute = int(time.time() // 60)
    address_rate_key = rate_key("address", address, minute) if address and address_limit else ""
    person_rate_key = rate_key("person", field, minute) if person_limit else ""
    slot = slot_field(request.location, request.date)
    return run_script(
        "book",
        keys=[
            CAPACITY,
            BOOKED,
            bucket,
            BOOKINGS,
            CENTRES,
            address_rate_key,
            person_rate_key,
            idempotency_key(idempotency) if idempotency else "",
        ],
        args=[
            slot,
            field,
            address_limit,
            person_limit,
            f"{field}|{slot}",
            request.id_type,
            request.id_number,
            request.name,
            request.phone,
            request.email,
            request.location,
            request.date,
            request.lang,
        ],
    )


def set_capacity(*, location: str, date: str, capacity: int) -> list[Any]:
    return run_script(
        "set_capacity",
        keys=[CAPACITY, BOOKED, CENTRES],
        args=[slot_field(location, date), capacity, location],
    )


def cancel(*, id_type: str, id_number: str, number: int, by: str, reason: str) -> list[str]:
    bucket, field = person_key(id_type, id_number)
    return run_script("cancel", keys=[bucket, BOOKED, BOOKINGS], args=[field, number, by, reason])


def put_centre(centre_id: str, description: str) -> None:
    """Publishes a centre (JSON with name, state, opens, closes) for the booking script."""
    with _answering():
        client().hset(CENTRES, centre_id, description)


def read_slots() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Centres, capacities and booked counts, in one round trip."""
    pipe = client().pipeline(transaction=False)
    pipe.hgetall(CENTRES).hgetall(CAPACITY).hgetall(BOOKED)
    with _answering():
        centres, capacity, booked = pipe.execute()
    return centres, capacity, booked


def read_entry(number: int) -> dict[str, str] | None:
    """One entry of the booking log, or None."""
    with _answering():
        found = client().xrange(BOOKINGS, entry_id(number), entry_id(number))
    return dict(found[0][1]) if found else None


def read_person_number(id_type: str, id_number: str) -> int | None:
    """The number of the booking a person holds now, or None."""
    bucket, field = person_key(id_type, id_number)
    with _answering():
        number = client().hget(bucket, field)
    return int(number) if number else None


def read_entries(*, after: int, count: int) -> list[tuple[int, dict[str, str]]]:
    """Log entries numbered above `after`, oldest first, at most `count` of them."""
    with _answering():
        found = client().xrange(BOOKINGS, f"({entry_id(after)}", "+", count=count)
    return [(entry_number(entry), dict(fields)) for entry, fields in found]


def ping() -> bool:
    try:
        return bool(client().ping())
    except redis.RedisError:
        return False


def scan_persons() -> dict[str, int]:
    """Every person holding a booking now, as "<bucket>:<field>" -> booking number. A full scan:
    for checks and audits, never for the request path."""
    persons: dict[str, int] = {}
    with _answering():
        for bucket in client().scan_iter(match=f"{PREFIX}:persons:*", count=1000):
            for field, number in client().hgetall(bucket).items():
                persons[f"{bucket.rsplit(':', 1)[1]}:{field}"] = int(number)
    return persons


# --- Added for the public face (issue 3): the look-up and the availability micro-cache. ---


def lookup_read(
    *,
    number: int,
    people: list[tuple[str, str]],
    rate_keys: list[str],
) -> tuple[list[int], list[int | None], dict[str, str] | None]:
    """One round trip for a booking look-up: counts each rate key (expiring in a minute), reads
    which booking each candidate person holds, and reads log entry `number`.

    Returns (attempts per rate key, booking number per person or None, the entry or None).
    """
    pipe = client().pipeline(transaction=False)
    for key in rate_keys:
        pipe.incr(key)
        pipe.expire(key, 60, nx=True)
    for id_type, id_number in people:
        pipe.hget(*person_key(id_type, id_number))
    pipe.xrange(BOOKINGS, entry_id(number), entry_id(number))
    with _answering():
        replies = pipe.execute()
    attempts = [int(replies[2 * i]) for i in range(len(rate_keys))]
    held = replies[2 * len(rate_keys) : -1]
    found = replies[-1]
    return (
        attempts,
        [int(value) if value else None for value in held],
        dict(found[0][1]) if found else None,
    )


def read_centre(location: str) -> str | None:
    """A centre's published description (JSON with name, state, opens, closes), or None."""
    with _answering():
        value = client().hget(CENTRES, location)
    return str(value) if value is not None else None


def cache_key(name: str) -> str:
    return f"{PREFIX}:cache:{name}"


def cache_read(name: str) -> tuple[str | None, int]:
    """A shared cached copy and its milliseconds to live (negative when there is none)."""
    pipe = client().pipeline(transaction=False)
    pipe.get(cache_key(name)).pttl(cache_key(name))
    with _answering():
        value, ttl = pipe.execute()
    return value, int(ttl)


def cache_claim(name: str, *, milliseconds: int) -> bool:
    """Claims the right to recompute `name`; True for exactly one caller until it expires."""
    with _answering():
        return bool(client().set(cache_key(name) + ":lock", "1", nx=True, px=milliseconds))


def cache_write(name: str, value: str, *, milliseconds: int) -> None:
    """Stores the shared copy of `name` for `milliseconds` and lets the next recomputation go."""
    pipe = client().pipeline(transaction=False)
    pipe.set(cache_key(name), value, px=milliseconds).delete(cache_key(name) + ":lock")
    with _answering():
        pipe.execute()


# --- Confirmations: the outbox relay and the send records (issue 4) ---------------------------

# The consumer group through which the relay reads the booking log; its pending list is what
# makes a relay killed between enqueue and acknowledgement re-send the batch instead of losing it.
OUTBOX_GROUP = "confirmations"
# Send records go 64 bookings to a hash so each stays in the compact listpack encoding
# (up to 128 fields: one per channel), a few dozen bytes a booking instead of a key each.
SENT_BUCKET_SIZE = 64
SENT_RETENTION_SECONDS = 60 * 60 * 24 * 60


def sent_key(number: int) -> str:
    return f"{PREFIX}:sent:{number // SENT_BUCKET_SIZE}"


def sent_field(number: int, channel: str) -> str:
    return f"{number % SENT_BUCKET_SIZE}:{channel}"


def confirmation_claim_key(number: int) -> str:
    return f"{PREFIX}:sending:{number}"


def outbox_group_create() -> None:
    """Creates the relay's consumer group from the start of the log, once; a no-op afterwards."""
    with _answering():
        try:
            client().xgroup_create(BOOKINGS, OUTBOX_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


Entries = list[tuple[str, dict[str, str]]]


def outbox_read(
    *, consumer: str, count: int, block_ms: int | None, pending: bool = False
) -> Entries:
    """New log entries for this consumer, waiting up to block_ms for some (None: not at all);
    with pending=True, the ones it read but never acknowledged."""
    with _answering():
        found = client().xreadgroup(
            OUTBOX_GROUP,
            consumer,
            {BOOKINGS: "0" if pending else ">"},
            count=count,
            block=None if pending else block_ms,
        )
    return [(entry, dict(fields)) for entry, fields in found[0][1]] if found else []


def outbox_claim_idle(*, consumer: str, idle_ms: int, count: int) -> Entries:
    """Takes over entries another (dead) relay read but never acknowledged."""
    with _answering():
        reply = client().xautoclaim(BOOKINGS, OUTBOX_GROUP, consumer, idle_ms, "0-0", count=count)
    return [(entry, dict(fields)) for entry, fields in reply[1] if fields]


def outbox_ack(entry_ids: list[str]) -> None:
    if entry_ids:
        with _answering():
            client().xack(BOOKINGS, OUTBOX_GROUP, *entry_ids)


def outbox_backlog() -> tuple[int, int]:
    """Entries not yet read by the relay (lag) and read but not acknowledged (pending)."""
    with _answering():
        try:
            groups = client().xinfo_groups(BOOKINGS)
        except redis.ResponseError:
            return 0, 0
    for group in groups:
        if group["name"] == OUTBOX_GROUP:
            return int(group.get("lag") or 0), int(group["pending"])
    return 0, 0


CONFIRMATION_CHANNELS = ("sms", "email")


def confirmation_batch_read(numbers: list[int]) -> tuple[dict[int, dict[str, str]], dict[str, str]]:
    """The log entries of bookings `numbers` and every centre's description, in one round trip.

    A relay batch is a run of consecutive log entries, so one XRANGE over its span reads it; when
    the numbers are scattered (several relays, a batch taken over from a dead one), each entry
    is read on its own, still in the same round trip.
    """
    if not numbers:
        return {}, {}
    low, high = min(numbers), max(numbers)
    pipe = client().pipeline(transaction=False)
    if high - low < 4 * len(numbers):
        pipe.xrange(BOOKINGS, entry_id(low), entry_id(high))
    else:
        for number in numbers:
            pipe.xrange(BOOKINGS, entry_id(number), entry_id(number))
    pipe.hgetall(CENTRES)
    with _answering():
        *found, centres = pipe.execute()
    wanted = set(numbers)
    entries = {
        entry_number(entry): dict(fields)
        for reply in found
        for entry, fields in reply
        if entry_number(entry) in wanted
    }
    return entries, centres


@dataclass(frozen=True)
class SendState:
    claimed: bool  # this run now holds the claim on the booking's send
    sent: dict[str, str | None]  # per channel, when it was recorded as sent (ms), or None
    holder: int | None  # the booking the person holds now: another number means cancelled


def confirmation_batch_claim(
    bookings: list[tuple[int, str, str]], *, token: str, seconds: int
) -> list[SendState]:
    """For each (number, id_type, id_number): claims its send for `seconds` (unless another
    worker holds the claim), then reads its send records and the person's current booking.

    One round trip for the whole batch. Each booking's records are read after its claim is
    taken, so a worker that finished and freed the claim just before is seen as having sent.
    """
    pipe = client().pipeline(transaction=False)
    for number, id_type, id_number in bookings:
        pipe.set(confirmation_claim_key(number), token, nx=True, ex=seconds)
        pipe.hmget(sent_key(number), [sent_field(number, c) for c in CONFIRMATION_CHANNELS])
        pipe.hget(*person_key(id_type, id_number))
    with _answering():
        replies = pipe.execute()
    return [
        SendState(
            claimed=bool(claimed),
            sent=dict(zip(CONFIRMATION_CHANNELS, sent, strict=True)),
            holder=int(holder) if holder else None,
        )
        for claimed, sent, holder in zip(replies[0::3], replies[1::3], replies[2::3], strict=True)
    ]


def confirmation_batch_release(numbers: list[int], *, token: str) -> None:
    """Frees the claims this run holds on bookings `numbers` (a claim that lapsed and was taken by
    another worker is left alone), in one round trip."""
    if numbers:
        run_script(
            "release_claims", keys=[confirmation_claim_key(n) for n in numbers], args=[token]
        )


def confirmation_sent(number: int, channels: list[str]) -> dict[str, str | None]:
    """When each channel's message for booking `number` was recorded as sent (ms), or None."""
    with _answering():
        values = client().hmget(sent_key(number), [sent_field(number, c) for c in channels])
    return dict(zip(channels, values, strict=True))


def confirmation_record_sent(number: int, channel: str, at_ms: int) -> None:
    pipe = client().pipeline(transaction=True)
    pipe.hset(sent_key(number), sent_field(number, channel), at_ms)
    pipe.expire(sent_key(number), SENT_RETENTION_SECONDS)
    with _answering():
        pipe.execute()


def read_active_counts() -> dict[str, int]:
    """Places booked per slot now (the booked hash), by "<centre>|<date>"."""
    with _answering():
        booked = client().hgetall(BOOKED)
    return {field: int(count) for field, count in booked.items()}


def read_log_length() -> int:
    """Entries in the booking log: bookings plus cancellations (it is never trimmed)."""
    with _answering():
        return int(client().xlen(BOOKINGS))


def read_last_number() -> int:
    with _answering():
        last = client().xrevrange(BOOKINGS, "+", "-", count=1)
    return entry_number(last[0][0]) if last else 0


def cache_release(name: str) -> None:
    """Gives up a claim to recompute `name` (the computation failed), so another may try."""
    with _answering():
        client().delete(cache_key(name) + ":lock")
