"""Checking the draw: that the log of tickets chains to the heads published, that every ticket
a phone holds is the one the log gave it, and that every place the queue gave is the one anyone
can recompute from the revealed seed, with no ticket or place handed out twice.

A record moved to another phone, a record deleted, a ticket put into or taken out of the log
each show here; a log rewritten whole (its stored heads with it) shows against any head someone
noted from the waiting page or GET /api/queue before (`heads`)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from vaksin.store.queue import (
    GENESIS,
    QueueReading,
    chain_next,
    queue_chain_state,
    queue_log,
    queue_records,
    seed_commitment,
)
from waiting_room.draw import draw_key, drawn_position


@dataclass
class DrawCheck:
    """What `waiting_room_draw --verify` found."""

    tickets: int = 0  # tickets held by phones now
    checked: int = 0  # of them, with a place the queue gave
    logged: int = 0  # tickets in the log
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_log(check: DrawCheck, reading: QueueReading, heads: Iterable[str]) -> dict[str, int]:
    """Recomputes the chain; returns each holder's latest ticket by the log."""
    latest: dict[str, int] = {}
    published, covered = queue_chain_state()
    wanted = set(heads)
    found = wanted & {GENESIS}
    head, at_published, drawn_head = GENESIS, GENESIS if covered == 0 else "", ""
    if reading.drawn == 0:
        drawn_head = GENESIS
    for entry in queue_log():
        check.logged += 1
        if entry.ticket != check.logged:
            check.problems.append(
                f"the log holds ticket {entry.ticket} where ticket {check.logged} should be"
            )
            check.logged = entry.ticket
        head = chain_next(head, entry.ticket, entry.holder, entry.at_ms)
        if head in wanted:
            found.add(head)
        if entry.ticket == reading.drawn:
            drawn_head = head
        if entry.ticket == covered:
            at_published = head
        latest[entry.holder] = entry.ticket
    if check.logged != reading.issued:
        check.problems.append(
            f"the log holds {check.logged} tickets, the room issued {reading.issued}"
        )
    if at_published != published:
        check.problems.append("the log does not chain to the head the room publishes")
    if reading.drawn is not None and reading.drawn_head and drawn_head != reading.drawn_head:
        check.problems.append("the log does not chain to the head the opening froze")
    check.problems += [f"no ticket of the log has the head {h}" for h in sorted(wanted - found)]
    return latest


def draw_verify(*, seed: str, reading: QueueReading, heads: Iterable[str] = ()) -> DrawCheck:
    """Recomputes the log's chain, every phone's ticket against the log, and every place the
    queue gave from `seed`: a drawn ticket's by the draw, a later ticket's by its arrival; and
    the seed against the commitment published before."""
    check = DrawCheck()
    if seed_commitment(seed) != reading.commitment:
        check.problems.append("the seed's SHA-256 is not the commitment published before")
    latest = _check_log(check, reading, heads)
    if reading.drawn is None:
        check.problems.append("the draw has not happened: registration has not opened")
        return check
    drawn, key = reading.drawn, draw_key(seed, reading.drawn_head)
    places: dict[int, int] = {}
    owners: dict[int, int] = {}
    held: set[str] = set()
    for holder, (ticket, position) in queue_records().items():
        check.tickets += 1
        held.add(holder)
        owners[ticket] = owners.get(ticket, 0) + 1
        if latest.get(holder) != ticket:
            by_log = latest.get(holder)
            check.problems.append(
                f"a phone holds ticket {ticket}, which the log "
                + (f"gives to another phone (its own is {by_log})" if by_log else "never gave it")
            )
        if position is None:
            continue  # not seen since the opening: its place is worked out when it returns
        check.checked += 1
        expected = drawn_position(key, ticket, drawn) if ticket <= drawn else ticket
        if position != expected:
            check.problems.append(
                f"ticket {ticket} has place {position}, the draw gives {expected}"
            )
        if position in places:
            check.problems.append(
                f"place {position} is held by tickets {places[position]} and {ticket}"
            )
        places[position] = ticket
    check.problems += [f"ticket {t} is held by {n} phones" for t, n in owners.items() if n > 1]
    check.problems += [
        f"the phone of ticket {ticket} in the log holds no ticket"
        for holder, ticket in sorted(latest.items(), key=lambda item: item[1])
        if holder not in held
    ]
    return check
