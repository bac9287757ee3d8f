"""Second doses for operators: booked, offered and left per state from today on (GET /metrics)
and the second doses each centre expects on each of the coming days (the noon dashboard), read
live from the second-dose counters (keys.CAPACITY2, keys.BOOKED2)."""

import datetime
from dataclasses import dataclass

from availability.states import STATES
from vaksin.store import keys, slots

# The dashboard's table of second doses expected: today and the days after it.
DASHBOARD_DAYS = 7


@dataclass(frozen=True)
class StateSeconds:
    code: str
    name: str
    capacity: int  # second-dose places offered from today on
    booked: int  # second doses booked in them (and held by waiting-list offers)

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)


@dataclass(frozen=True)
class CentreSeconds:
    """One centre's row of the table: per day, the second doses booked and the places."""

    centre: str
    name: str
    state: str
    days: list[tuple[int, int]]  # (booked, capacity), one per date of the table


@dataclass(frozen=True)
class SecondDoseTable:
    dates: list[datetime.date]
    centres: list[CentreSeconds]


def second_doses_by_state(*, today: datetime.date, counts: slots.SlotCounts) -> list[StateSeconds]:
    """Per state, the second-dose places and second doses booked from `today` on."""
    first = today.isoformat()
    totals: dict[str, tuple[int, int]] = {}
    for field in counts.capacity2.keys() | counts.booked2.keys():
        location, date = field.split("|", 1)
        centre = counts.centres.get(location)
        if date < first or centre is None:
            continue
        capacity, booked = totals.get(centre.state, (0, 0))
        totals[centre.state] = (
            capacity + counts.capacity2.get(field, 0),
            booked + counts.booked2.get(field, 0),
        )
    return [
        StateSeconds(code=code, name=STATES.get(code, code), capacity=capacity, booked=booked)
        for code, (capacity, booked) in sorted(totals.items())
    ]


def second_doses_expected(
    *, today: datetime.date, counts: slots.SlotCounts, days: int = DASHBOARD_DAYS
) -> SecondDoseTable:
    """The second doses each centre expects on each of `days` days from `today`: only centres
    with a second-dose place on one of them, by state then name."""
    dates = [today + datetime.timedelta(days=n) for n in range(days)]
    rows = []
    for location, centre in counts.centres.items():
        cells = [
            (
                counts.booked2.get(keys.slot_field(location, day.isoformat()), 0),
                counts.capacity2.get(keys.slot_field(location, day.isoformat()), 0),
            )
            for day in dates
        ]
        if any(booked or capacity for booked, capacity in cells):
            rows.append(CentreSeconds(location, centre.name, centre.state, cells))
    rows.sort(key=lambda row: (STATES.get(row.state, row.state), row.name, row.centre))
    return SecondDoseTable(dates=dates, centres=rows)
