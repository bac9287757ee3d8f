"""Reads of availability: every slot's counts in one round trip to Redis."""

import datetime
import json
from typing import Any

from availability.states import STATES
from vaksin import store


def availability_listing(*, today: datetime.date, as_of: datetime.datetime) -> dict[str, Any]:
    """The body of GET /api/availability: states, their centres, and each centre's slots."""
    centres, capacities, booked = store.read_slots()
    first = today.isoformat()
    by_location: dict[str, list[dict[str, Any]]] = {}
    for field, capacity in sorted(capacities.items()):
        location, date = field.split("|", 1)
        if date >= first and location in centres:
            available = max(int(capacity) - int(booked.get(field, 0)), 0)
            by_location.setdefault(location, []).append(
                {"date": date, "capacity": int(capacity), "available": available}
            )
    by_state: dict[str, list[dict[str, Any]]] = {}
    for location, slots in by_location.items():
        centre = json.loads(centres[location])
        by_state.setdefault(centre["state"], []).append(
            {"id": location, "name": centre["name"], "slots": slots}
        )
    return {
        "as_of": as_of.isoformat(timespec="seconds"),
        "states": [
            {
                "code": code,
                "name": STATES.get(code, code),
                "locations": sorted(by_state[code], key=lambda centre: centre["name"]),
            }
            for code in sorted(by_state)
        ],
    }
