"""Reads of the registration domain: a person looking up their own appointment."""

import time
from dataclasses import dataclass

from django.conf import settings

from registration.references import numbers_for, reference_for
from vaksin.store import keys, lookup, slots
from vaksin.store.entries import LogEntry
from vaksin.store.purged import is_purged
from vaksin.validation import PASSPORT_PATTERN, compact_id_number


@dataclass(frozen=True)
class Appointment:
    reference: str
    location: str
    centre_name: str
    date: str
    arrival_window: str
    # The second dose, at the same centre ("" when one dose is booked).
    second_date: str = ""
    second_window: str = ""
    # Its personal data was purged RETENTION_DAYS after its date (warehouse/purge.py): the
    # booking stands, but we no longer hold the person's name, phone or e-mail.
    purged: bool = False
    # "confirmed"; "cancelled" (by the person or by staff); "changed" (the person now holds a
    # newer booking, whose reference their latest SMS gives).
    status: str = "confirmed"
    number: int = 0
    id_type: str = ""
    id_number: str = ""
    phone: str = ""

    @property
    def phone_ending(self) -> str:
        """The last two digits of the booking's phone: enough to recognise it, not to use it."""
        return self.phone[-2:]


class LookupRefused(Exception):
    """Too many look-ups from one address or for one ID number: try again after a while."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate_limited")
        self.retry_after = retry_after


def _candidates(id_number: str) -> list[tuple[str, str]]:
    """Who the typed number could be: the look-up does not ask which kind of ID it is."""
    number = compact_id_number(id_number)
    people = []
    if len(number) == 12 and number.isascii() and number.isdigit():
        people.append(("mykad", number))
    if PASSPORT_PATTERN.fullmatch(number):
        people.append(("passport", number))
    return people


def appointment_lookup(
    *, id_number: str, reference: str, client_address: str
) -> Appointment | None:
    """The appointment held by the person with `id_number` under `reference`, or None.

    An unknown reference and someone else's reference both give None, so the answer never
    tells whether a reference exists. A booking of this very person that is no longer active
    comes back with its status ("cancelled" or "changed"), so that nobody takes a cancellation
    for a typo. A booking whose personal data was purged is still found by its person (their ID
    number's keyed HMAC still holds it), marked purged. Each attempt counts against the client
    address, the ID number and the reference, in the same round trip that reads the booking,
    and is answered alike whichever part is wrong.
    """
    now = int(time.time())
    minute, hour = now // 60, now // 3600
    # Each limit: its key, the seconds its window lasts, how many it allows there.
    limits: list[tuple[str, int, int]] = []
    if settings.RATE_LIMIT_PER_IP and client_address:
        # Shared with booking attempts: docs/api.md counts both against one budget per address.
        key = keys.rate_key("address", client_address, minute)
        limits.append((key, 60, settings.RATE_LIMIT_PER_IP))
    if settings.RATE_LIMIT_PER_ID:
        _, person = keys.person_key("lookup", compact_id_number(id_number))
        limits.append((keys.rate_key("lookup", person, minute), 60, settings.RATE_LIMIT_PER_ID))
    numbers = numbers_for(reference)
    if numbers and settings.LOOKUPS_PER_REFERENCE:
        # Per reference, whatever the ID number and the address: someone holding a reference
        # cannot try the ID numbers a birth date and a state leave, from many addresses.
        code = reference_for(numbers[0])
        limits.append(
            (keys.rate_key("lookup-ref", code, hour), 3600, settings.LOOKUPS_PER_REFERENCE)
        )
    people = _candidates(id_number)
    rate_keys = [(key, seconds) for key, seconds, _ in limits]
    read = lookup.lookup_read(
        number=numbers[0] if numbers else 0, people=people, rate_keys=rate_keys
    )
    if any(count > allowed for count, (_, _, allowed) in zip(read.attempts, limits, strict=True)):
        raise LookupRefused(retry_after=60 - now % 60)
    found = _found(numbers[0], read, people) if numbers else None
    # Another reading of the reference (one made before a key rotation): nearly never.
    for number in numbers[1:]:
        if found:
            break
        found = _found(
            number, lookup.lookup_read(number=number, people=people, rate_keys=[]), people
        )
    return found


def _found(
    number: int, read: lookup.LookupRead, people: list[tuple[str, str]]
) -> Appointment | None:
    """Booking `number` as the look-up shows it to one of `people`, or None when it is not
    theirs (or not a booking at all)."""
    entry = read.entry
    if not number or entry is None or entry.get("kind") != "booked":
        return None
    if is_purged(entry):
        # No ID number is left to compare: the person's keyed name is what still holds it.
        return appointment_of(number, entry, status="confirmed") if number in read.held else None
    booked_as = (entry["id_type"], entry["id_number"])
    if booked_as not in people:
        return None
    held = read.held[people.index(booked_as)]
    status = "confirmed" if held == number else "changed" if held else "cancelled"
    return appointment_of(number, entry, status=status)


def appointment_of(number: int, entry: LogEntry, *, status: str) -> Appointment:
    centre = slots.read_centre(entry["location"])
    return Appointment(
        reference=reference_for(number),
        location=entry["location"],
        centre_name=centre.name if centre else entry["location"],
        date=entry["date"],
        arrival_window=entry["window"],
        second_date=entry.get("date2", ""),
        second_window=entry.get("window2", ""),
        purged=is_purged(entry),
        status=status,
        number=number,
        id_type=entry["id_type"],
        id_number=entry["id_number"],
        phone=entry["phone"],
    )
