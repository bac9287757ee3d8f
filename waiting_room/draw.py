"""The draw that orders the tickets taken before the opening, as anyone can recompute it.

The order is a keyed permutation of the ticket numbers 1..drawn: a four-round Feistel network
whose round function is the first 8 hex digits of SHA-1("<seed>:<round>:<half>"), on the
smallest even number of bits (at least 2) that covers the tickets, walked again while it lands
outside 1..drawn. It is a permutation for any seed, so no two tickets share a place, and with
the seed secret until the opening nobody can tell which ticket number comes first. The script
(lua/waiting_room/queue.lua) computes the same function; docs/waiting-room.md shows how to
check it by hand.
"""

import hashlib


def _halves(drawn: int) -> int:
    bits = max((drawn - 1).bit_length(), 2)
    return (bits + bits % 2) // 2


def _feistel(seed: str, x: int, half: int) -> int:
    size = 1 << half
    left, right = divmod(x, size)
    for round_ in range(1, 5):
        # SHA-1 because it is the one hash Redis's Lua offers (queue.lua computes the same
        # function); a round function needs no collision resistance, and the seed is secret.
        digest = hashlib.sha1(f"{seed}:{round_}:{right}".encode()).hexdigest()  # noqa: S324
        left, right = right, (left + int(digest[:8], 16) % size) % size
    return left * size + right


def drawn_position(seed: str, ticket: int, drawn: int) -> int:
    """The place (1..drawn) the draw gives ticket number `ticket` (1..drawn)."""
    if not 1 <= ticket <= drawn:
        raise ValueError(f"ticket {ticket} was not in the draw of {drawn}")
    half = _halves(drawn)
    x = _feistel(seed, ticket - 1, half)
    while x >= drawn:
        x = _feistel(seed, x, half)
    return x + 1


def drawn_order(seed: str, drawn: int) -> list[int]:
    """The ticket numbers 1..drawn in the draw's order: the first is admitted first."""
    order = [0] * drawn
    for ticket in range(1, drawn + 1):
        order[drawn_position(seed, ticket, drawn) - 1] = ticket
    return order
