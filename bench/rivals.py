"""The designs Vaksin is measured against, written as they were, flaws included.

Used by the benchmarks, and by the race tests as their control: a test that cannot see these
designs oversell could not see Vaksin oversell either.

The 2021 designs store what the 2021 proof of concept stored: a counter per slot, and the
person's record as a hash (`user:<id>` there, `<bookings>:<person>` here) holding the name,
centre and date, written in the same transaction that takes the place.
"""

from collections.abc import Mapping
from typing import Any, cast

import redis

# What the race tests book when they give no record: the record's size, not its content, is
# what costs Redis.
ANONYMOUS = {"name": "", "location": "", "date": ""}
# redis-py types a hash's field names as any encodable value, which a str key does not match.
Record = Mapping[Any, str]


def _take_place(
    pipe: redis.client.Pipeline, *, counter: str, record_key: str, record: Record
) -> bool:
    """One try of the 2021 transaction: WATCH, GET, then MULTI, DECR, HSET, EXEC. False when
    the slot is full; raises redis.WatchError when another client changed the counter first."""
    pipe.watch(counter)
    available = int(cast(bytes | None, pipe.get(counter)) or 0)
    if available <= 0:
        pipe.reset()
        return False
    pipe.multi()
    pipe.decr(counter)
    pipe.hset(record_key, mapping=record)
    pipe.execute()
    return True


def watch_multi_2021(
    client: redis.Redis, *, counter: str, bookings: str, person: str, record: Record = ANONYMOUS
) -> bool:
    """The 2021 proof of concept. It reported an aborted transaction (another client changed
    the counter first) as a success, so it told more people they had a place than there were
    places."""
    with client.pipeline() as pipe:
        try:
            return _take_place(
                pipe, counter=counter, record_key=f"{bookings}:{person}", record=record
            )
        except redis.WatchError:
            return True  # the published flaw: the abort was counted as a booking


def watch_multi_with_retries(
    client: redis.Redis, *, counter: str, bookings: str, person: str, record: Record = ANONYMOUS
) -> bool:
    """The same algorithm done right: retry on abort until the transaction commits or the
    counter reaches zero. Correct, but every conflict costs a full retry under contention."""
    with client.pipeline() as pipe:
        while True:
            try:
                return _take_place(
                    pipe, counter=counter, record_key=f"{bookings}:{person}", record=record
                )
            except redis.WatchError:
                continue


def check_then_decrement(
    client: redis.Redis, *, counter: str, bookings: str, person: str, record: Record = ANONYMOUS
) -> bool:
    """Read, then write, in two round trips: the textbook race."""
    if int(client.get(counter) or 0) <= 0:
        return False
    client.decr(counter)
    client.hset(f"{bookings}:{person}", mapping=record)
    return True
