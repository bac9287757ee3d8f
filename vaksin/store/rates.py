"""Attempt counters outside the scripts: one per subject per minute."""

from vaksin.store import keys
from vaksin.store.connection import answering, client


def rate_count(kind: str, subject: str, minute: int) -> tuple[int, int]:
    """Counts one attempt of `subject` this minute; returns the count and seconds left."""
    key = keys.rate_key(kind, subject, minute)
    pipe = client().pipeline(transaction=False)
    pipe.incr(key).expire(key, 60, nx=True).ttl(key)
    with answering():
        count, _, ttl = pipe.execute()
    return int(count), max(int(ttl), 1)
