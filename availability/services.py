"""Writes of centres and slots. Centres are kept in PostgreSQL and published to Redis for the
booking script; slot capacities live in Redis only and change through the capacity script."""

import datetime
from dataclasses import dataclass

from availability.models import Centre
from vaksin.doses import automatic_second_date
from vaksin.store import slots
from vaksin.store.slots import PublishedCentre

# The most places one slot (a centre on a day) may have: far above any real centre, far below
# what would break the listing's arithmetic or a Lua number.
MAX_CAPACITY = 1_000_000


class CapacityError(Exception):
    """A capacity change that cannot be made; the message says why, for staff and operators."""


@dataclass(frozen=True)
class CapacityChange:
    location: str
    date: datetime.date
    previous: int | None  # None when the slot is new
    capacity: int
    booked: int


def centre_published(centre: Centre) -> PublishedCentre:
    """A centre as the booking script and the listing read it."""
    return PublishedCentre(
        name=centre.name,
        state=centre.state,
        opens=centre.opens_at.strftime("%H:%M"),
        closes=centre.closes_at.strftime("%H:%M"),
    )


def centre_publish(centre: Centre) -> None:
    slots.put_centre(centre.id, centre_published(centre))


def centre_save(
    *,
    centre_id: str,
    name: str,
    state: str,
    opens_at: datetime.time | None = None,
    closes_at: datetime.time | None = None,
) -> Centre:
    """Creates or updates a centre; opening hours left out keep their current (or default) value."""
    hours = {"opens_at": opens_at, "closes_at": closes_at}
    centre, _ = Centre.objects.update_or_create(
        id=centre_id,
        defaults={"name": name, "state": state} | {k: v for k, v in hours.items() if v is not None},
    )
    centre_publish(centre)
    return centre


def slot_set_capacity(
    *,
    location: str,
    date: datetime.date,
    capacity: int,
    dose: int = 1,
    automatic_second: bool = True,
) -> CapacityChange:
    """Sets a slot's capacity for first (`dose` 1) or second doses, keeping its bookings;
    refuses to go below the places booked.

    A first dose is offered only with a second (vaksin/doses.py), so with `automatic_second`
    a first-dose capacity also gives the date DOSE_INTERVAL_DAYS's first day later at least as
    many second-dose places: a slots file of first doses alone keeps working, and operators
    change the second doses afterwards (a file with a dose column, or the admin)."""
    if not 0 <= capacity <= MAX_CAPACITY:
        raise CapacityError(
            f"{location} {date}: capacity must be from 0 to {MAX_CAPACITY:,}, not {capacity}."
        )
    if dose not in (1, 2):
        raise CapacityError(f"{location} {date}: dose must be 1 or 2, not {dose}.")
    outcome = slots.set_capacity(
        location=location, date=date.isoformat(), capacity=capacity, dose=dose
    )
    if outcome.outcome == "unknown_centre":
        raise CapacityError(f"{location}: no such centre; add the centre first.")
    if outcome.outcome == "below_booked":
        kind = "places" if dose == 1 else "second-dose places"
        raise CapacityError(
            f"{location} {date}: capacity {capacity} is below the {outcome.booked} {kind} already "
            f"booked; it must be at least {outcome.booked}."
        )
    second = automatic_second_date(date) if dose == 1 and automatic_second else None
    if second is not None:
        slots.set_capacity(
            location=location, date=second.isoformat(), capacity=capacity, dose=2, at_least=True
        )
    return CapacityChange(
        location=location,
        date=date,
        previous=outcome.previous,
        capacity=capacity,
        booked=outcome.booked,
    )
