"""Slots for tests: a centre saved (in PostgreSQL and Redis) with one date's capacity."""

import datetime
from collections.abc import Callable

from availability.services import centre_save, slot_set_capacity

# The make_slot fixture: seeds a slot (tomorrow unless `date` is given) and returns its date.
SlotMaker = Callable[..., datetime.date]


def slot_seed(
    *, location: str, capacity: int, date: datetime.date, state: str, name: str | None
) -> datetime.date:
    centre_save(centre_id=location, name=name or f"Centre {location}", state=state)
    slot_set_capacity(location=location, date=date, capacity=capacity)
    return date
