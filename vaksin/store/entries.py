"""The booking log's entries and the scripts' outcomes, as types: what every reader of the log
and every caller of a script agrees on, checked by mypy rather than by string keys."""

from enum import StrEnum
from typing import TypedDict


class LogEntry(TypedDict, total=False):
    """One entry of the booking log (a Redis stream), every field a string as Redis keeps it.

    A booking ("booked"), a cancellation ("cancelled", also written by a move) or a waiting-list
    offer ("offered"). A purged booking reads as "booked" with empty personal fields and
    `purged_at` (vaksin/store/purged.py)."""

    kind: str
    # A booking: the person, the phone it was made from, the place, its window, the language.
    id_type: str
    id_number: str
    name: str
    phone: str
    email: str
    location: str
    date: str
    window: str
    # Its second dose, at the same centre: date and window (absent when one dose is booked).
    date2: str
    window2: str
    lang: str
    at: str  # Unix seconds, from Redis's clock
    moved_from: str  # the number of the booking a move replaced
    released2: str  # a booking that replaced one whose second dose was let go: that date
    # A cancellation: which booking, by whom, why; a move's names the booking that replaced it.
    booking: str
    by: str
    reason: str
    moved_to: str
    # A cancellation of the second dose alone ("2"): the booking goes on as `moved_to`, without
    # it (lua/registration/second_cancel.lua).
    dose: str
    # An offer: the waiter (a phone's keyed name) and when the offer lapses.
    waiter: str
    until: str
    # A purged booking's compact record.
    purged_at: str
    persons: str
    phones: str


class Outcome(StrEnum):
    """What a script decided: the same values from the Lua reply to the HTTP status
    (vaksin/errors.py STATUS) and the operators' counters (vaksin_bookings_total)."""

    BOOKED = "booked"
    REPEAT = "repeat"
    ALREADY_REGISTERED = "already_registered"
    SOLD_OUT = "sold_out"
    UNKNOWN_SLOT = "unknown_slot"
    PHONE_LIMIT = "phone_limit"
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    NOT_ADMITTED = "not_admitted"
    OFFER_GONE = "offer_gone"
    # A move's.
    MOVED = "moved"
    NOT_FOUND = "not_found"
    SAME_SLOT = "same_slot"
    DOSE_GIVEN = "dose_given"
