"""Places left for first doses that come with a second.

A first dose is booked only with a second-dose place at the same centre within
DOSE_INTERVAL_DAYS of it (lua/registration/book.lua), so a date's places left are its own
first-dose places, at most the second-dose places left in its range. Dates near each other
share those second-dose places, so this is a figure for display: the booking script decides.
"""

import bisect
import datetime
from itertools import accumulate

from django.conf import settings

from vaksin.store.slots import SlotCounts


def first_doses_left(counts: SlotCounts) -> dict[str, int]:
    """Every first-dose slot ("<centre>|<date>") -> the places a booking can still take."""
    own = {
        field: max(capacity - counts.booked.get(field, 0), 0)
        for field, capacity in counts.capacity.items()
    }
    interval = settings.DOSE_INTERVAL_DAYS
    if not interval:
        return own
    seconds = _second_doses_by_centre(counts)
    low, high = (datetime.timedelta(days=days) for days in interval)
    left = {}
    for field, places in own.items():
        location, date = field.split("|", 1)
        dates, running = seconds.get(location, ([], [0]))
        day = datetime.date.fromisoformat(date)
        first = bisect.bisect_left(dates, (day + low).isoformat())
        last = bisect.bisect_right(dates, (day + high).isoformat())
        left[field] = min(places, running[last] - running[first])
    return left


def second_doses_left(counts: SlotCounts) -> dict[str, int]:
    """Every second-dose slot -> its second-dose places left."""
    return {
        field: max(capacity - counts.booked2.get(field, 0), 0)
        for field, capacity in counts.capacity2.items()
    }


def _second_doses_by_centre(counts: SlotCounts) -> dict[str, tuple[list[str], list[int]]]:
    """Per centre, its second-dose dates in order and the running sum of their places left
    (one longer, from 0), so that any range of dates is summed with two look-ups."""
    by_centre: dict[str, list[tuple[str, int]]] = {}
    for field, places in second_doses_left(counts).items():
        location, date = field.split("|", 1)
        by_centre.setdefault(location, []).append((date, places))
    found = {}
    for location, dated in by_centre.items():
        dated.sort()
        found[location] = (
            [date for date, _ in dated],
            list(accumulate((places for _, places in dated), initial=0)),
        )
    return found
