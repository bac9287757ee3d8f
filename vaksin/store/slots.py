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
    """Every published centre, and every slot's capacity and places booked ("<centre>|<date>"),
    for first doses and for second doses."""

    centres: dict[str, PublishedCentre]
    capacity: dict[str, int]
    booked: dict[str, int]
    capacity2: dict[str, int]
    booked2: dict[str, int]


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
    pipe.hgetall(keys.CAPACITY2).hgetall(keys.BOOKED2)
    with answering():
        centres, capacity, booked, capacity2, booked2 = pipe.execute()
    return SlotCounts(
        centres={key: PublishedCentre.from_json(value) for key, value in centres.items()},
        capacity={key: int(value) for key, value in capacity.items()},
        booked={key: int(value) for key, value in booked.items()},
        capacity2={key: int(value) for key, value in capacity2.items()},
        booked2={key: int(value) for key, value in booked2.items()},
    )


def read_booked_counts() -> dict[str, int]:
    """Places booked per slot now, by "<centre>|<date>"."""
    with answering():
        booked = client().hgetall(keys.BOOKED)
    return {field: int(count) for field, count in booked.items()}


def set_capacity(
    *, location: str, date: str, capacity: int, dose: int = 1, at_least: bool = False
) -> CapacityOutcome:
    """Sets one slot's capacity for first (`dose` 1) or second doses, keeping its booked count
    (with `at_least`, only ever raises it); see lua/availability/set_capacity.lua."""
    capacity_key, booked_key = (
        (keys.CAPACITY, keys.BOOKED) if dose == 1 else (keys.CAPACITY2, keys.BOOKED2)
    )
    reply = run_script(
        "availability/set_capacity",
        keys=[capacity_key, booked_key, keys.CENTRES],
        args=[keys.slot_field(location, date), capacity, location, "at_least" if at_least else ""],
    )
    if reply[0] == "ok":
        previous = int(reply[1])
        return CapacityOutcome(
            "ok", previous=None if previous < 0 else previous, booked=int(reply[2])
        )
    if reply[0] == "below_booked":
        return CapacityOutcome("below_booked", booked=int(reply[1]))
    return CapacityOutcome(str(reply[0]))
