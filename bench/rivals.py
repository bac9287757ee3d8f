"""The designs Vaksin is measured against, written as they were, flaws included.

Used by the benchmarks, and by the race tests as their control: a test that cannot see these
designs oversell could not see Vaksin oversell either.
"""

from typing import cast

import redis


def watch_multi_2021(client: redis.Redis, *, counter: str, bookings: str, person: str) -> bool:
    """The 2021 proof of concept: WATCH, GET, MULTI, DECR, HSET, EXEC. It reported an aborted
    transaction (another client changed the counter first) as a success, so it told more
    people they had a place than there were places."""
    with client.pipeline() as pipe:
        try:
            pipe.watch(counter)
            available = int(cast(bytes | None, pipe.get(counter)) or 0)
            if available <= 0:
                return False
            pipe.multi()
            pipe.decr(counter)
            pipe.hset(bookings, person, 1)
            pipe.execute()
        except redis.WatchError:
            return True  # the published flaw: the abort was counted as a booking
    return True


def watch_multi_with_retries(
    client: redis.Redis, *, counter: str, bookings: str, person: str
) -> bool:
    """The same algorithm done right: retry on abort until the transaction commits or the
    counter reaches zero. Correct, but every conflict costs a full retry under contention."""
    with client.pipeline() as pipe:
        while True:
            try:
                pipe.watch(counter)
                available = int(cast(bytes | None, pipe.get(counter)) or 0)
                if available <= 0:
                    pipe.reset()
                    return False
                pipe.multi()
                pipe.decr(counter)
                pipe.hset(bookings, person, 1)
                pipe.execute()
                return True
            except redis.WatchError:
                continue


def check_then_decrement(client: redis.Redis, *, counter: str, bookings: str, person: str) -> bool:
    """Read, then write, in two round trips: the textbook race."""
    if int(client.get(counter) or 0) <= 0:
        return False
    client.decr(counter)
    client.hset(bookings, person, 1)
    return True
