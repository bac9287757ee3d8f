"""Attempt counters outside the scripts: one per subject per window (a minute unless said)."""

from vaksin.store import keys
from vaksin.store.connection import answering, client


def rate_count(kind: str, subject: str, window: int, *, seconds: int = 60) -> tuple[int, int]:
    """Counts one attempt of `subject` in `window` (the time divided by `seconds`, a minute
    unless said); returns the count and the seconds left of the window."""
    key = keys.rate_key(kind, subject, window)
    pipe = client().pipeline(transaction=False)
    pipe.incr(key).expire(key, seconds, nx=True).ttl(key)
    with answering():
        count, _, ttl = pipe.execute()
    return int(count), max(int(ttl), 1)
