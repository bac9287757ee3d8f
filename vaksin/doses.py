"""The second dose: which dates may hold it, from a first dose's date and DOSE_INTERVAL_DAYS."""

import datetime
from functools import lru_cache

from django.conf import settings


def second_dose_dates(first: str) -> tuple[str, ...]:
    """The dates a second dose may fall on after a first dose on `first` (YYYY-MM-DD), earliest
    first: the booking script takes the earliest with a place. Empty when one dose is booked."""
    interval = settings.DOSE_INTERVAL_DAYS
    if not interval or not first:
        return ()
    return _dates_after(first, *interval)


# Every booking asks for its first date's range (every day of DOSE_INTERVAL_DAYS): making them
# anew each time was the largest piece of a booking's own Python work (bench/profile.py), and
# bookings name few distinct first dates.
@lru_cache(maxsize=4096)
def _dates_after(first: str, low: int, high: int) -> tuple[str, ...]:
    day = datetime.date.fromisoformat(first)
    return tuple((day + datetime.timedelta(days=n)).isoformat() for n in range(low, high + 1))


def automatic_second_date(first: datetime.date) -> datetime.date | None:
    """Where a first-dose slot's own second-dose places go when nobody says otherwise: the
    earliest date of the interval, so that every first dose of the day has its second."""
    interval = settings.DOSE_INTERVAL_DAYS
    return first + datetime.timedelta(days=interval[0]) if interval else None
