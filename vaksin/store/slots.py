"""Centres, slot capacities and booked counts.

A centre is published to Redis (from PostgreSQL, where staff edit it) as a small JSON object,
because the booking script reads its opening hours to spread arrival windows.
"""

import json
from dataclasses import dataclass

from vaksin.store import keys
from vaksin.store.connection import answering, client, run_script


@dataclass(frozen=True)
class PublishedCentre:
    """A centre as the booking script and the listing see it; hours as "HH:MM"."""

    name: str
    state: str
    opens: str
    closes: str

    def as_json(self) -> str:
        return json.dumps(
            {"name": self.name, "state": self.state, "opens": self.opens, "closes": self.closes},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> "PublishedCentre":
        found = json.loads(text)
        return cls(
            name=found["name"], state=found["state"], opens=found["opens"], closes=found["closes"]
        )


@dataclass(frozen=True)
class SlotCounts:
    """Every published centre, and every slot's capacity and places booked ("<centre>|<date>")."""

    centres: dict[str, PublishedCentre]
    capacity: dict[str, int]
    booked: dict[str, int]


@dataclass(frozen=True)
class CapacityOutcome:
    """What the capacity script did: "ok", "below_booked" or "unknown_centre"."""

    outcome: str
    previous: int | None = None  # None when the slot is new
    booked: int = 0


def put_centre(centre_id: str, centre: PublishedCentre) -> None:
    with answering():
        client().hset(keys.CENTRES, centre_id, centre.as_json())


def read_centre(location: str) -> PublishedCentre | None:
    with answering():
        value = client().hget(keys.CENTRES, location)
    return PublishedCentre.from_json(value) if value is not None else None


def read_slots() -> SlotCounts:
    """Centres, capacities and booked counts, in one round trip."""
    pipe = client().pipeline(transaction=False)
    pipe.hgetall(keys.CENTRES).hgetall(keys.CAPACITY).hgetall(keys.BOOKED)
    with answering():
        centres, capacity, booked = pipe.execute()
    return SlotCounts(
        centres={key: PublishedCentre.from_json(value) for key, value in centres.items()},
        capacity={key: int(value) for key, value in capacity.items()},
        booked={key: int(value) for key, value in booked.items()},
    )


def read_booked_counts() -> dict[str, int]:
    """Places booked per slot now, by "<centre>|<date>"."""
    with answering():
        booked = client().hgetall(keys.BOOKED)
    return {field: int(count) for field, count in booked.items()}


def set_capacity(*, location: str, date: str, capacity: int) -> CapacityOutcome:
    """Sets one slot's capacity keeping its booked count; see lua/availability/set_capacity.lua."""
    reply = run_script(
        "availability/set_capacity",
        keys=[keys.CAPACITY, keys.BOOKED, keys.CENTRES],
        args=[keys.slot_field(location, date), capacity, location],
    )
    if reply[0] == "ok":
        previous = int(reply[1])
        return CapacityOutcome(
            "ok", previous=None if previous < 0 else previous, booked=int(reply[2])
        )
    if reply[0] == "below_booked":
        return CapacityOutcome("below_booked", booked=int(reply[1]))
    return CapacityOutcome(str(reply[0]))
