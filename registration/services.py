"""Writes of the registration domain: booking and cancelling.

Python validates; the Lua script decides. Nothing here reads availability before booking:
the script is the only judge of whether a place is free (vaksin/store/lua/registration/
book.lua).
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from registration.references import number_for, reference_for
from vaksin import validation
from vaksin.doses import second_dose_dates
from vaksin.errors import BookingError
from vaksin.store import StoreError, bookings, keys, metrics
from vaksin.store.bookings import BookingArgs
from vaksin.store.entries import Outcome
from vaksin.store.purged import is_purged
from vaksin.validation import collect
from vaksin.window import registration_state
from waiting_room.services import booking_pass_ms, queue_standing


@dataclass(frozen=True)
class BookingRequest:
    """One person's cleaned answers for one slot: what the booking script is asked to book."""

    id_type: str
    id_number: str
    name: str
    phone: str
    email: str
    location: str
    date: str
    lang: str


@dataclass(frozen=True)
class BookingConfirmation:
    """What a person is told once they hold a place."""

    reference: str
    location: str
    date: str
    arrival_window: str
    created: bool  # False when this repeats a booking the person already had
    second_date: str = ""  # the second dose, at the same centre ("" when one dose is booked)
    second_window: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "reference": self.reference,
            "location": self.location,
            "date": self.date,
            "arrival_window": self.arrival_window,
            "status": "confirmed",
            "second_dose": {
                "location": self.location,
                "date": self.second_date,
                "arrival_window": self.second_window,
            }
            if self.second_date
            else None,
        }


def booking_request_clean(
    *,
    id_type: object,
    id_number: object,
    name: object,
    phone: object,
    email: object,
    location: object,
    date: object,
    birth_date: object = None,
    verified_phone: str | None = None,
    lang: str = "en",
    today: datetime.date,
) -> BookingRequest:
    """Every answer cleaned at once, so that one error never hides another; raises 'invalid'.

    With `verified_phone`, the booking is made from that phone: a phone typed in the answers
    must be the same one, and may be left out."""
    errors: dict[str, list[str]] = {}
    kind = collect(errors, "id_type", validation.clean_id_type, id_type)
    number = (
        collect(errors, "id_number", validation.clean_id_number, kind, id_number, today=today)
        if kind
        else None
    )
    slot_date = collect(errors, "date", validation.clean_date, date)
    born = collect(errors, "birth_date", validation.clean_birth_date, birth_date, today=today)
    if kind == "passport" and born is None and "birth_date" not in errors:
        # A passport says nothing of its holder's age: without a date of birth, no age check.
        errors["birth_date"] = ["birth_date_missing"]
    if kind == "mykad" and number:
        born = validation.mykad_birth_date(number, today=today)
    if born and slot_date and not validation.old_enough(born, on=slot_date):
        errors.setdefault("birth_date" if kind == "passport" else "id_number", []).append(
            "too_young"
        )
    request = BookingRequest(
        id_type=kind or "",
        id_number=number or "",
        name=collect(errors, "name", validation.clean_name, name) or "",
        phone=collect(errors, "phone", _booking_phone, phone, verified=verified_phone) or "",
        email=collect(errors, "email", validation.clean_email, email) or "",
        location=collect(errors, "location", validation.clean_location, location) or "",
        date=slot_date.isoformat() if slot_date else "",
        lang=lang if lang in dict(settings.LANGUAGES) else "en",
    )
    if errors:
        raise BookingError("invalid", fields=errors)
    return request


def _booking_phone(value: object, *, verified: str | None) -> str:
    if verified is None:
        return validation.clean_phone(value)
    if value is None or value == verified or (isinstance(value, str) and not value.strip()):
        # The verified phone as the token gives it (E.164), as most clients send it: nothing to
        # parse (parsing a number is a good part of a booking's validation).
        return verified
    if validation.clean_phone(value) != verified:
        raise validation.FieldError("phone_not_verified")
    return verified


def booking_args(
    request: BookingRequest,
    *,
    idempotency: str = "",
    pass_ms: int | None = None,
) -> BookingArgs:
    """What the booking script is asked for a cleaned request, with this deployment's limits:
    every way of booking (the API, the wizard, a waiting-list offer) asks it the same way."""
    return BookingArgs(
        id_type=request.id_type,
        id_number=request.id_number,
        name=request.name,
        phone=request.phone,
        email=request.email,
        location=request.location,
        date=request.date,
        lang=request.lang,
        phone_rate_limit=settings.RATE_LIMIT_PER_PHONE,
        person_limit=settings.RATE_LIMIT_PER_ID,
        phone_limit=settings.PHONE_BOOKING_LIMIT,
        idempotency=idempotency,
        counted=settings.METRICS_ENABLED,
        pass_ms=pass_ms,
        second_dates=second_dose_dates(request.date),
    )


def booking_create(
    *,
    request: BookingRequest,
    idempotency_key: str = "",
    now: datetime.datetime | None = None,
) -> BookingConfirmation:
    """Books a cleaned request in one round trip to Redis, or raises BookingError."""
    now = now or timezone.now()
    if registration_state(now) != "open":
        raise BookingError("closed")
    if request.date < timezone.localdate(now).isoformat():
        raise BookingError("unknown_slot")
    try:
        outcome = bookings.book(
            booking_args(
                request,
                # Scoped to the phone: nobody can use up another caller's key in advance.
                idempotency=f"{request.phone}:{idempotency_key}" if idempotency_key else "",
                pass_ms=booking_pass_ms(now),
            )
        )
        if outcome.outcome == Outcome.NOT_ADMITTED:
            raise BookingError("not_admitted", position=_queue_position(outcome, request.phone))
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    if outcome.holds_place:
        return BookingConfirmation(
            reference=reference_for(outcome.number),
            location=request.location,
            date=request.date,
            arrival_window=outcome.window,
            created=outcome.outcome == "booked",
            second_date=outcome.second_date,
            second_window=outcome.second_window,
        )
    raise BookingError(outcome.outcome, retry_after=outcome.retry_after)


def _queue_position(outcome: bookings.BookingOutcome, phone: str) -> int | None:
    """The refused phone's place in the queue. The script knows it once the phone has polled
    since the opening; otherwise the queue works it out (taking no ticket)."""
    if outcome.position is not None:
        return outcome.position
    return queue_standing(phone=phone).position


def booking_cancel(*, reference: str, by: str, reason: str = "") -> bool:
    """Cancels a booking, returning its place (to the next on its slot's waiting list, if any);
    False when there is no such active booking. The person gets an SMS saying so."""
    number = number_for(reference)
    entry = bookings.read_entry(number) if number else None
    # A purged booking is long past: it stays as it was (cancel.lua refuses it too).
    if not number or not entry or entry.get("kind") != "booked" or is_purged(entry):
        return False
    cancelled = (
        bookings.cancel(
            id_type=entry["id_type"],
            id_number=entry["id_number"],
            phone=entry["phone"],
            number=number,
            slot=keys.slot_field(entry["location"], entry["date"]),
            by=by,
            reason=reason,
            offer_seconds=settings.OFFER_MINUTES * 60,
        )
        == "cancelled"
    )
    if cancelled:
        with contextlib.suppress(StoreError):
            metrics.counters_add({"appointment:cancelled_by_staff": 1})
    return cancelled
