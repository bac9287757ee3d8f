"""The shared copy behind the availability micro-cache (availability/cache.py), and the claim
that lets exactly one process recompute it when it expires."""

from vaksin.store import keys
from vaksin.store.connection import answering, client


def cache_read(name: str) -> tuple[str | None, int]:
    """A shared cached copy and its milliseconds to live (negative when there is none)."""
    pipe = client().pipeline(transaction=False)
    pipe.get(keys.cache_key(name)).pttl(keys.cache_key(name))
    with answering():
        value, ttl = pipe.execute()
    return value, int(ttl)


def cache_claim(name: str, *, milliseconds: int) -> bool:
    """Claims the right to recompute `name`; True for exactly one caller until it expires."""
    with answering():
        return bool(client().set(keys.cache_lock_key(name), "1", nx=True, px=milliseconds))


def cache_write(name: str, value: str, *, milliseconds: int) -> None:
    """Stores the shared copy of `name` for `milliseconds` and lets the next recomputation go."""
    pipe = client().pipeline(transaction=False)
    pipe.set(keys.cache_key(name), value, px=milliseconds).delete(keys.cache_lock_key(name))
    with answering():
        pipe.execute()


def cache_release(name: str) -> None:
    """Gives up a claim to recompute `name` (the computation failed), so another may try."""
    with answering():
        client().delete(keys.cache_lock_key(name))
