"""A person looking up their own booking: rate counts, who holds what, and the entry, at once."""

from dataclasses import dataclass
from typing import cast

from vaksin.store import keys
from vaksin.store.bookings import LogEntry, held_number
from vaksin.store.connection import answering, client
from vaksin.store.purged import purged_entry


@dataclass(frozen=True)
class LookupRead:
    attempts: list[int]  # per rate key, this attempt included
    held: list[int | None]  # per candidate person, the booking number they hold, or None
    entry: LogEntry | None  # log entry `number` (or its compact record once purged), or None


def lookup_read(
    *, number: int, people: list[tuple[str, str]], rate_keys: list[tuple[str, int]]
) -> LookupRead:
    """One round trip for a booking look-up: counts each rate key (each with the seconds its
    window lasts), reads which booking each candidate (id_type, id_number) holds, and reads log
    entry `number`."""
    pipe = client().pipeline(transaction=False)
    for key, seconds in rate_keys:
        pipe.incr(key)
        pipe.expire(key, seconds, nx=True)
    names = [keys.person_keys(id_type, id_number) for id_type, id_number in people]
    for person in names:
        for bucket, field in person:
            pipe.hget(bucket, field)
    pipe.xrange(keys.BOOKINGS, keys.entry_id(number), keys.entry_id(number))
    pipe.hget(keys.purged_key(number), keys.purged_field(number))
    with answering():
        replies = pipe.execute()
    values = iter(replies[2 * len(rate_keys) : -2])
    found, record = replies[-2], replies[-1]
    return LookupRead(
        attempts=[int(replies[2 * i]) for i in range(len(rate_keys))],
        held=[held_number([next(values) for _ in person]) for person in names],
        entry=cast(LogEntry, dict(found[0][1]))
        if found
        else purged_entry(record)
        if record
        else None,
    )
