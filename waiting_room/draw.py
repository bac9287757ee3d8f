"""The draw that orders the tickets taken before the opening, and the log of tickets it
orders, as anyone can recompute them.

The log: ticket n is appended with head_n = SHA-256("<head_(n-1)>|<n>|<holder>|<at ms>"),
head_0 being 64 zeros, so every published head seals every ticket before it.

The order is a keyed permutation of the ticket numbers 1..drawn: a four-round Feistel network
whose round function is the first 8 hex digits of SHA-1("<key>:<round>:<half>"), on the
smallest even number of bits (at least 2) that covers the tickets, walked again while it lands
outside 1..drawn. Its key is "<seed>:<drawn head>": the seed operators committed to before the
opening and reveal at it, and the log's head as the opening froze it, so the order follows
from exactly the tickets logged before the opening. It is a permutation for any key, so no two
tickets share a place, and with the seed held outside Redis until the opening nobody can tell
which ticket number comes first. The script (lua/waiting_room/queue.lua) computes the same
functions; docs/waiting-room.md shows how to check them by hand.
"""

import hashlib
from collections.abc import Iterable, Iterator

from vaksin.store.queue import GENESIS, chain_next


def chain(entries: Iterable[tuple[int, str, int]]) -> Iterator[str]:
    """The head after each (ticket, holder, at ms) of the log, in order."""
    head = GENESIS
    for ticket, holder, at_ms in entries:
        head = chain_next(head, ticket, holder, at_ms)
        yield head


def draw_key(seed: str, drawn_head: str) -> str:
    """The permutation's key: the revealed seed and the log as the opening froze it."""
    return f"{seed}:{drawn_head}"


def _halves(drawn: int) -> int:
    bits = max((drawn - 1).bit_length(), 2)
    return (bits + bits % 2) // 2


def _feistel(key: str, x: int, half: int) -> int:
    size = 1 << half
    left, right = divmod(x, size)
    for round_ in range(1, 5):
        # SHA-1 because it is the one hash Redis's Lua offers (queue.lua computes the same
        # function); a round function needs no collision resistance, and the seed is secret.
        digest = hashlib.sha1(f"{key}:{round_}:{right}".encode()).hexdigest()  # noqa: S324
        left, right = right, (left + int(digest[:8], 16) % size) % size
    return left * size + right


def drawn_position(key: str, ticket: int, drawn: int) -> int:
    """The place (1..drawn) the draw keyed by `key` (draw_key) gives ticket `ticket`."""
    if not 1 <= ticket <= drawn:
        raise ValueError(f"ticket {ticket} was not in the draw of {drawn}")
    half = _halves(drawn)
    x = _feistel(key, ticket - 1, half)
    while x >= drawn:
        x = _feistel(key, x, half)
    return x + 1


def drawn_order(key: str, drawn: int) -> list[int]:
    """The ticket numbers 1..drawn in the draw's order: the first is admitted first."""
    order = [0] * drawn
    for ticket in range(1, drawn + 1):
        order[drawn_position(key, ticket, drawn) - 1] = ticket
    return order
