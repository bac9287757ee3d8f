"""A full check of the store against the invariants of docs/api.md, for tests, benchmarks and
operators.

It reads everything, so it runs beside a quiet store, never on the request path.
"""

import datetime
from collections import Counter
from collections.abc import Iterable

from django.conf import settings

from vaksin.store import bookings, doses, keys, slots, waitlist
from vaksin.store.entries import LogEntry
from vaksin.store.purged import is_purged

LOG_PAGE = 10_000


def store_problems() -> list[str]:
    """Every way the store breaks an invariant; an empty list when it holds them all."""
    counts = slots.read_slots()
    capacities, booked = counts.capacity, counts.booked
    active: dict[int, LogEntry] = {}
    after, missing = 0, list[int]()
    while page := bookings.read_entries(after=after, count=LOG_PAGE):
        for number, entry in page:
            # Numbers run without gaps: a purged booking is read back as its compact record.
            missing += range(after + 1, number)
            after = number
            if entry.get("kind") == "booked":
                active[number] = entry
            elif entry.get("kind") == "cancelled":
                active.pop(int(entry["booking"]), None)

    problems = [f"booking {number}: gone from the log, and not purged" for number in missing]
    per_slot = Counter(keys.slot_field(e["location"], e["date"]) for e in active.values())
    # A place a waiting-list offer holds is counted as booked, so that no booking can take it.
    per_slot.update(waitlist.held_counts())
    for slot in sorted(set(capacities) | set(booked) | set(per_slot)):
        capacity, taken = int(capacities.get(slot, 0)), int(booked.get(slot, 0))
        if taken > capacity:
            problems.append(f"{slot}: overbooked, {taken} booked of {capacity}")
        if taken < 0:
            problems.append(f"{slot}: booked count {taken} is negative")
        if taken != per_slot[slot]:
            problems.append(
                f"{slot}: counter says {taken} booked, the log and the offers hold {per_slot[slot]}"
            )

    problems += _second_dose_problems(counts, active)

    persons = bookings.scan_persons()
    holders = Counter(persons.values())
    for number, entry in active.items():
        if number not in {persons.get(name) for name in _person_names(entry)}:
            problems.append(f"booking {number}: its person does not point back at it")
    for number, count in holders.items():
        if number not in active:
            problems.append(f"booking {number}: a person holds it but it is not active")
        if count > 1:
            problems.append(f"booking {number}: held by {count} persons")
    # Per phone, the counts under every key in use add up to its active bookings.
    counted = bookings.scan_phones()
    for names, active_count in _per_phone(active.values()).items():
        held = sum(counted.pop(name, 0) for name in names)
        if held != active_count:
            problems.append(f"a phone holds {active_count} bookings but is counted at {held}")
    if any(counted.values()):
        problems.append("phones with no active booking are counted as holding some")
    if len(persons) != len(active):
        problems.append(f"{len(persons)} persons hold bookings, but {len(active)} are active")
    return problems


def _second_dose_problems(counts: slots.SlotCounts, active: dict[int, LogEntry]) -> list[str]:
    """No second dose overbooked, each slot's count the active bookings' second doses there
    and the offers' (a second dose let go is no longer on its booking: second_cancel.lua
    replaces it), and each second dose its own first's: the same booking, at the same centre,
    DOSE_INTERVAL_DAYS after it. One pair per person follows from one booking per person."""
    problems = []
    per_slot = Counter(
        keys.slot_field(entry["location"], entry["date2"])
        for entry in active.values()
        if entry.get("date2")
    )
    per_slot.update(doses.second_doses_held())
    for slot in sorted(set(counts.capacity2) | set(counts.booked2) | set(per_slot)):
        capacity, taken = counts.capacity2.get(slot, 0), counts.booked2.get(slot, 0)
        if taken > capacity:
            problems.append(f"{slot}: second doses overbooked, {taken} booked of {capacity}")
        if taken < 0:
            problems.append(f"{slot}: second-dose booked count {taken} is negative")
        if taken != per_slot[slot]:
            problems.append(
                f"{slot}: counter says {taken} second doses booked, the log and the offers "
                f"hold {per_slot[slot]}"
            )
    interval = settings.DOSE_INTERVAL_DAYS
    given = doses.doses_scan()
    for number, entry in active.items():
        if given.get(number, 0) not in (0, 1, 2) or (
            given.get(number) == 2 and not entry.get("date2")
        ):
            problems.append(f"booking {number}: doses given {given[number]}, of its doses")
        if not entry.get("date2") or not interval:
            continue
        days = (
            datetime.date.fromisoformat(entry["date2"]) - datetime.date.fromisoformat(entry["date"])
        ).days
        if not interval[0] <= days <= interval[1]:
            problems.append(
                f"booking {number}: its second dose is {days} days after its first, outside "
                f"DOSE_INTERVAL_DAYS {interval[0]}-{interval[1]}"
            )
    return problems


def _person_names(entry: LogEntry) -> list[str]:
    """The names a booking's person may be held under (a purged booking keeps them)."""
    if is_purged(entry):
        return entry["persons"].split(",")
    return [
        keys.bucketed_name(*name) for name in keys.person_keys(entry["id_type"], entry["id_number"])
    ]


def _per_phone(entries: Iterable[LogEntry]) -> dict[tuple[str, ...], int]:
    """Active bookings per phone, each phone by the names its count may be held under. A purged
    booking keeps its phone's names as they were when it was purged (before a later rotation of
    PERSON_KEY_SECRET, say), so entries that share a name are the same phone."""
    group_of: dict[str, int] = {}
    names_of: list[list[str]] = []
    counts: Counter[int] = Counter()
    for entry in entries:
        if is_purged(entry):
            names = entry["phones"].split(",")
        else:
            names = [keys.bucketed_name(*name) for name in keys.phone_keys(entry["phone"])]
        group = next((group_of[name] for name in names if name in group_of), len(names_of))
        if group == len(names_of):
            names_of.append([])
        for name in names:
            if name not in group_of:
                group_of[name] = group
                names_of[group].append(name)
        counts[group] += 1
    return {tuple(names_of[group]): count for group, count in counts.items()}
