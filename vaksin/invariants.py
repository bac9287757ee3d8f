"""A full check of the store against the SPEC's invariants, for tests, benchmarks and operators.

It reads everything, so it runs beside a quiet store, never on the request path.
"""

from collections import Counter

from vaksin.store import bookings, keys, slots, waitlist

LOG_PAGE = 10_000


def store_problems() -> list[str]:
    """Every way the store breaks an invariant; an empty list when it holds them all."""
    counts = slots.read_slots()
    capacities, booked = counts.capacity, counts.booked
    active: dict[int, dict[str, str]] = {}
    after = 0
    while page := bookings.read_entries(after=after, count=LOG_PAGE):
        for number, entry in page:
            if entry.get("kind") == "booked":
                active[number] = entry
            elif entry.get("kind") == "cancelled":
                active.pop(int(entry["booking"]), None)
        after = page[-1][0]

    problems = []
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

    persons = bookings.scan_persons()
    holders = Counter(persons.values())
    for number, entry in active.items():
        names = keys.person_keys(entry["id_type"], entry["id_number"])
        if number not in {persons.get(keys.bucketed_name(*name)) for name in names}:
            problems.append(f"booking {number}: its person does not point back at it")
    for number, count in holders.items():
        if number not in active:
            problems.append(f"booking {number}: a person holds it but it is not active")
        if count > 1:
            problems.append(f"booking {number}: held by {count} persons")
    # Per phone, the counts under every key in use add up to its active bookings.
    counted = bookings.scan_phones()
    for phone, active_count in Counter(entry["phone"] for entry in active.values()).items():
        names = keys.phone_keys(phone)
        held = sum(counted.pop(keys.bucketed_name(*name), 0) for name in names)
        if held != active_count:
            problems.append(f"a phone holds {active_count} bookings but is counted at {held}")
    if any(counted.values()):
        problems.append("phones with no active booking are counted as holding some")
    if len(persons) != len(active):
        problems.append(f"{len(persons)} persons hold bookings, but {len(active)} are active")
    return problems
