"""Checking the draw: that the order the queue used is the one anyone can recompute from the
revealed seed, and that no ticket or place was handed out twice."""

from dataclasses import dataclass, field

from vaksin.store.queue import QueueReading, queue_records, seed_commitment
from waiting_room.draw import drawn_position


@dataclass
class DrawCheck:
    """What `waiting_room_draw --verify` found."""

    tickets: int = 0  # tickets held by phones now
    checked: int = 0  # of them, with a place the queue gave
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def draw_verify(*, seed: str, reading: QueueReading) -> DrawCheck:
    """Recomputes every place the queue gave from `seed`: a drawn ticket's by the draw, a later
    ticket's by its arrival; and the seed against the commitment published before."""
    check = DrawCheck()
    if seed_commitment(seed) != reading.commitment:
        check.problems.append("the seed's SHA-256 is not the commitment published before")
    if reading.drawn is None:
        check.problems.append("the draw has not happened: registration has not opened")
        return check
    drawn = reading.drawn
    places: dict[int, int] = {}
    owners: dict[int, int] = {}
    for ticket, position in queue_records().values():
        check.tickets += 1
        owners[ticket] = owners.get(ticket, 0) + 1
        if position is None:
            continue  # not seen since the opening: its place is worked out when it returns
        check.checked += 1
        expected = drawn_position(seed, ticket, drawn) if ticket <= drawn else ticket
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
    return check
