"""The real 2021 round-1 rush (bench/data/az_round1_balance_2021-05-02.csv): the four centres
and 98 dates with the places they still had at 12:47, 220,300 in all, which took until 15:23
to go. The dates move to the future, keeping their spacing, so that they can be booked today."""

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "az_round1_balance_2021-05-02.csv"
# The data names the four round-1 centres only by number.
LOCATION = "AZ1-{}"
REAL_DRAIN = datetime.timedelta(hours=2, minutes=36)


@dataclass(frozen=True)
class ReplaySlot:
    location: str
    date: datetime.date
    capacity: int


def replay_slots(*, first: datetime.date) -> list[ReplaySlot]:
    with DATA.open(newline="") as handle:
        header, at_1247 = next(csv.reader(handle)), next(csv.reader(handle))
    pairs = [column.split(",") for column in header[1:]]
    earliest = min(datetime.date.fromisoformat(date) for _, date in pairs)
    slots = []
    for (number, date), balance in zip(pairs, at_1247[1:], strict=True):
        if balance and int(balance) > 0:
            shift = datetime.date.fromisoformat(date) - earliest
            slots.append(ReplaySlot(LOCATION.format(number), first + shift, int(balance)))
    return slots


def weighted_slot_arguments(slots: list[ReplaySlot], *, per_argument: int = 100) -> list[str]:
    """Slots for wrk to take in turn, each repeated in proportion to its places, so that people
    pick big and small slots as they filled in 2021, and the slots run out together."""
    arguments = []
    for slot in slots:
        arguments += [f"{slot.location}|{slot.date}"] * max(1, round(slot.capacity / per_argument))
    # Interleave, so that consecutive requests spread over the slots.
    return arguments[::2] + arguments[1::2]
