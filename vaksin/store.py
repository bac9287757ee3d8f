"""The one door to Redis, the system of record for slots and bookings until they are exported.

Everything that touches Redis goes through here: the lazy client, the key names, the Lua
scripts and the one exception type. The layout is written down in docs/redis.md.

Every key carries the hash tag {vk}: the booking script touches a slot, a person and the
booking log at once, and Redis Cluster only runs a script whose keys share one hash slot.
"""

import hashlib
import hmac
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
def client() -> redis.Redis:
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
    address_rate_key: str = "",
    address_limit: int = 0,
    person_rate_key: str = "",
    person_limit: int = 0,
    idempotency: str = "",
) -> list[str]:
    """Runs the booking script: one round trip that decides and writes. See lua/book.lua."""
    bucket, field = person_key(request.id_type, request.id_number)
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
