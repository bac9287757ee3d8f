"""Reads of availability: every slot's counts in one round trip to Redis."""

import datetime
import json
from functools import cached_property
from typing import Any

from django.utils import timezone

from availability.cache import MicroCache, Rendered, Snapshot
from availability.pairs import first_doses_left
from availability.states import STATES
from vaksin.store import slots

# Shared caches may keep the listing for the same second as each process does; after that they
# may serve the last copy while they fetch a new one, and for ten minutes while the origin
# fails: the listing is for display only (the booking script decides), so a stale copy is
# always better than a herd on a struggling origin.
LISTING_CACHE_CONTROL = (
    "public, max-age=1, s-maxage=1, stale-while-revalidate=5, stale-if-error=600"
)
# The listing for the API and the slot picker: one recomputation per second across all workers.
LISTING = MicroCache("availability", ttl=1.0)


def availability_listing(*, today: datetime.date, as_of: datetime.datetime) -> dict[str, Any]:
    """The body of GET /api/availability: states, their centres, and each centre's slots, each
    slot's `available` the places left for first doses that come with a second (pairs.py)."""
    counts = slots.read_slots()
    centres, capacities = counts.centres, counts.capacity
    left = first_doses_left(counts)
    first = today.isoformat()
    by_location: dict[str, list[dict[str, Any]]] = {}
    for field, capacity in sorted(capacities.items()):
        location, date = field.split("|", 1)
        if date >= first and location in centres:
            available = left[field]
            by_location.setdefault(location, []).append(
                {"date": date, "capacity": capacity, "available": available}
            )
    by_state: dict[str, list[dict[str, Any]]] = {}
    for location, offered in by_location.items():
        centre = centres[location]
        by_state.setdefault(centre.state, []).append(
            {"id": location, "name": centre.name, "slots": offered}
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


def availability_listing_rendered(*, now: datetime.datetime) -> Rendered:
    """The listing as the API serves it, ready to be cached."""
    listing = availability_listing(today=now.date(), as_of=now)
    return Rendered(
        json.dumps(listing, separators=(",", ":")).encode(),
        "application/json",
        LISTING_CACHE_CONTROL,
    )


def availability_snapshot() -> Snapshot:
    """The whole listing from the micro-cache: at most a second old, for display only."""
    return LISTING.fetch("", lambda: availability_listing_rendered(now=timezone.localtime()))


def availability_for_state(listing: dict[str, Any], code: str) -> dict[str, Any]:
    """The listing narrowed to one state (no states at all for an unknown code)."""
    return {
        "as_of": listing["as_of"],
        "states": [state for state in listing["states"] if state["code"] == code],
    }


class ListingIndex:
    """What the wizard's pickers read from one copy of the listing, worked out once per copy.

    At national scale (18,000 slots) summing every slot on every request would cost more than
    the page; each process builds these once per copy (a second) and each request then reads
    only what it shows: the states, one state's centres, one centre.
    """

    def __init__(self, listing: dict[str, Any]) -> None:
        self.listing = listing

    @cached_property
    def states(self) -> list[dict[str, Any]]:
        return [
            {
                "code": state["code"],
                "name": state["name"],
                "available": sum(
                    slot["available"] for centre in state["locations"] for slot in centre["slots"]
                ),
            }
            for state in self.listing["states"]
        ]

    @cached_property
    def centres_by_state(self) -> dict[str, list[dict[str, Any]]]:
        return {
            state["code"]: [
                {
                    "id": centre["id"],
                    "name": centre["name"],
                    "available": sum(slot["available"] for slot in centre["slots"]),
                    "dates": len(centre["slots"]),
                }
                for centre in state["locations"]
            ]
            for state in self.listing["states"]
        }

    @cached_property
    def last_date(self) -> str:
        return max(
            (
                slot["date"]
                for state in self.listing["states"]
                for centre in state["locations"]
                for slot in centre["slots"]
            ),
            default="",
        )

    @cached_property
    def centres(self) -> dict[str, dict[str, Any]]:
        return {
            centre["id"]: {**centre, "state": state["code"]}
            for state in self.listing["states"]
            for centre in state["locations"]
        }


# The index of the copy this process last read: the micro-cache hands out the same parsed
# listing object until the copy expires, so an identity check finds it.
_last_index: ListingIndex | None = None


def listing_index(listing: dict[str, Any]) -> ListingIndex:
    global _last_index
    index = _last_index
    if index is None or index.listing is not listing:
        index = _last_index = ListingIndex(listing)
    return index


def state_choices(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """Each state that has centres, with the places left across all its slots."""
    return listing_index(listing).states


def centre_choices(listing: dict[str, Any], state: str) -> list[dict[str, Any]]:
    """The centres of one state, with the places left across their dates."""
    return listing_index(listing).centres_by_state.get(state, [])


def last_offered_date(listing: dict[str, Any]) -> datetime.date | None:
    """The latest date any centre offers (full or not), or None when nothing is listed."""
    last = listing_index(listing).last_date
    return datetime.date.fromisoformat(last) if last else None


def centre_in_listing(listing: dict[str, Any], location: str) -> dict[str, Any] | None:
    """A centre of the listing with its state code, or None."""
    return listing_index(listing).centres.get(location)


def slot_alternatives(
    listing: dict[str, Any],
    *,
    location: str,
    date: str,
    limit: int = 5,
    other_centres_only: bool = False,
) -> list[dict[str, Any]]:
    """The nearest slots with places to a full one: the closest dates first, the same centre
    before others on the same day, and only in the same state (people travel to a centre).

    Read from the cached listing, so a slot offered here may fill before it is booked: the
    booking script still decides.
    """
    wanted = centre_in_listing(listing, location)
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        return []
    if wanted is None:
        return []
    candidates: list[tuple[int, int, str, dict[str, Any]]] = []
    for state in listing["states"]:
        if state["code"] != wanted["state"]:
            continue
        for centre in state["locations"]:
            same = centre["id"] == location
            if same and other_centres_only:
                continue
            for slot in centre["slots"]:
                if slot["available"] <= 0 or (same and slot["date"] == date):
                    continue
                distance = abs((datetime.date.fromisoformat(slot["date"]) - day).days)
                offer = {
                    "location": centre["id"],
                    "date": slot["date"],
                    "available": slot["available"],
                }
                candidates.append((distance, 0 if same else 1, centre["name"], offer))
    candidates.sort(key=lambda candidate: candidate[:3])
    return [offer for *_, offer in candidates[:limit]]


def places_by_state(*, today: datetime.date) -> dict[str, tuple[int, int]]:
    """Per state, the capacity and the places left of every slot from `today` on, read live."""
    counts = slots.read_slots()
    places_left = first_doses_left(counts)
    first = today.isoformat()
    totals: dict[str, tuple[int, int]] = {}
    for field, capacity in counts.capacity.items():
        location, date = field.split("|", 1)
        centre = counts.centres.get(location)
        if date < first or centre is None:
            continue
        left = places_left[field]
        before = totals.get(centre.state, (0, 0))
        totals[centre.state] = (before[0] + capacity, before[1] + left)
    return totals
