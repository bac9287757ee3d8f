"""Writes of what happened at the centre: a dose given, a no-show, and a second dose let go
once the first was given. The Lua scripts decide (lua/registration/dose_given.lua,
second_cancel.lua); a first-dose no-show cancels the booking through the same script as any
cancel, so its place goes to the slot's waiting list the same day."""

import contextlib
import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from registration.references import number_for, reference_for
from registration.services import booking_cancel
from vaksin.store import StoreError, bookings, metrics
from vaksin.store.doses import DoseOutcome, dose_given, doses_given_read, second_cancel
from vaksin.store.entries import LogEntry
from vaksin.store.purged import is_purged

# The reasons a cancellation entry gives (its 'reason' field, kept when it is purged).
NO_SHOW = "no_show"  # a first dose missed: the booking is cancelled
SECOND_NO_SHOW = "second_dose_no_show"  # a second dose missed: its place is let go
SECOND_CANCELLED = "second_dose_cancelled"  # given elsewhere, or not wanted


class DoseEvent(StrEnum):
    FIRST_GIVEN = "first_given"
    SECOND_GIVEN = "second_given"
    NO_SHOW = "no_show"
    SECOND_CANCEL = "second_cancel"


class DoseError(Exception):
    """A dose event refused; `code` says why (a DoseOutcome, or "too_early")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DoseBooking:
    """An active booking as the dose events see it."""

    number: int
    entry: LogEntry
    given: int  # doses given: 0, 1 or 2

    @property
    def reference(self) -> str:
        return reference_for(self.number)

    @property
    def second_date(self) -> str:
        return self.entry.get("date2", "")


@dataclass(frozen=True)
class DoseResult:
    event: DoseEvent
    before: str  # what the audit trail keeps: the state before and after, never personal data
    after: str
    reference: str  # the booking's reference now (a second dose let go gives a new one)


def dose_booking(*, reference: str) -> DoseBooking | None:
    """The active booking `reference` names, with its doses given, or None."""
    number = number_for(reference)
    entry = bookings.read_entry(number) if number else None
    if not number or not entry or entry.get("kind") != "booked" or is_purged(entry):
        return None
    if bookings.read_person_number(entry["id_type"], entry["id_number"]) != number:
        return None
    return DoseBooking(number=number, entry=entry, given=doses_given_read(number, entry))


def _said(given: int) -> str:
    return ("no dose given", "first dose given", "both doses given")[given]


def _not_before(date: str, *, today: datetime.date | None) -> None:
    """No no-show is recorded for a dose whose day has not come: one a day early would cancel
    someone's appointment. A dose given early is recorded (a person may come before their
    day), so only the no-show asks."""
    if date > (today or timezone.localdate()).isoformat():
        raise DoseError("too_early")


def dose_event(
    *, reference: str, event: DoseEvent, by: str, today: datetime.date | None = None
) -> DoseResult:
    """Records `event` for the active booking `reference`; raises DoseError when refused.

    A no-show is of the dose due: the first while none is given (the booking is cancelled, its
    place offered to the slot's waiting list), else the second (its place let go)."""
    booking = dose_booking(reference=reference)
    if booking is None:
        raise DoseError(DoseOutcome.NOT_FOUND)
    entry, before = booking.entry, _said(booking.given)
    if event == DoseEvent.NO_SHOW and booking.given == 0:
        _not_before(entry["date"], today=today)
        if not booking_cancel(reference=booking.reference, by=by, reason=NO_SHOW):
            raise DoseError(DoseOutcome.NOT_FOUND)
        _count("no_show_first")
        return DoseResult(event, before, "no-show: cancelled", booking.reference)
    if event in (DoseEvent.NO_SHOW, DoseEvent.SECOND_CANCEL):
        if event == DoseEvent.NO_SHOW and booking.second_date:
            _not_before(booking.second_date, today=today)
        outcome = second_cancel(
            id_type=entry["id_type"],
            id_number=entry["id_number"],
            number=booking.number,
            by=by,
            reason=SECOND_NO_SHOW if event == DoseEvent.NO_SHOW else SECOND_CANCELLED,
        )
        if outcome.outcome != DoseOutcome.CANCELLED:
            raise DoseError(outcome.outcome)
        _count("no_show_second" if event == DoseEvent.NO_SHOW else "second_cancelled")
        now = reference_for(outcome.number)
        after = f"second dose on {booking.second_date} let go; booking is now {now}"
        return DoseResult(event, before, after, now)
    dose = 1 if event == DoseEvent.FIRST_GIVEN else 2
    if dose == 2 and not booking.second_date:
        raise DoseError(DoseOutcome.NO_SECOND)
    given = dose_given(
        id_type=entry["id_type"], id_number=entry["id_number"], number=booking.number, dose=dose
    )
    if given != DoseOutcome.RECORDED:
        raise DoseError(given)
    _count(f"given_{dose}")
    return DoseResult(event, before, _said(dose), booking.reference)


def _count(event: str) -> None:
    """Counted for operators (vaksin_doses_recorded); a counter lost to an outage is no reason
    to report a recorded dose as failed."""
    with contextlib.suppress(StoreError):
        metrics.counters_add({f"doses:{event}": 1})
