"""A person managing their own booking at /appointment/: a code to the booking's phone, then
cancel it, move it to another centre or date, or have its SMS sent again.

Only the phone the booking was made from can do any of it (docs/api.md, invariants): the
code goes to that phone, whoever asks, so knowing someone's ID number and reference changes
nothing. Each change is one Lua script (lua/registration/cancel_release.lua, move.lua) and
writes an entry to the booking log, from which the relay sends its SMS like any confirmation.
"""

import contextlib
import datetime
import secrets
import time

import django_rq
from django.conf import settings
from django.utils import timezone

from phones.services import verification_confirm, verification_start
from registration.selectors import Appointment, appointment_of
from vaksin import validation
from vaksin.doses import second_dose_dates
from vaksin.errors import BookingError
from vaksin.store import StoreError, bookings, keys, metrics, rates
from vaksin.store.connection import REDIS_GONE
from vaksin.window import registration_state

RESEND_QUEUE = "confirmations"
RESEND_JOB = "confirmations.jobs.confirmation_resend_job"
# Confirmations sent again per booking per minute: enough for a lost SMS, useless for spam.
RESENDS_PER_MINUTE = 2


def appointment_current(*, number: int, id_type: str, id_number: str) -> Appointment | None:
    """The booking `number` if this person holds it now, else None."""
    if not number:
        return None
    entry = bookings.read_entry(number)
    if entry is None or entry.get("kind") != "booked":
        return None
    if (entry["id_type"], entry["id_number"]) != (id_type, id_number):
        return None
    if bookings.read_person_number(id_type, id_number) != number:
        return None
    return appointment_of(number, entry, status="confirmed")


def appointment_code_send(*, appointment: Appointment, client_address: str, lang: str) -> None:
    """Sends a code to the phone the booking was made from (never to one typed here)."""
    verification_start(
        phone=appointment.phone, client_address=client_address, lang=lang, any_time=True
    )


def appointment_code_confirm(
    *, appointment: Appointment, code: object, client_address: str
) -> None:
    """Raises VerificationError unless `code` is the one just sent to the booking's phone."""
    verification_confirm(
        phone=appointment.phone, code=code, client_address=client_address, any_time=True
    )


def appointment_counted(outcome: str) -> None:
    """Counts an outcome for operators (vaksin_appointment_changes); a count lost to a Redis
    hiccup is not worth failing the change that was made."""
    with contextlib.suppress(StoreError):
        metrics.counters_add({f"appointment:{outcome}": 1})


def appointment_cancel(*, appointment: Appointment, by: str = "person", reason: str = "") -> bool:
    """Cancels the booking; its place goes to the next on the waiting list, or back to all.
    Raises BookingError "dose_given" once its first dose was given (and "unavailable")."""
    try:
        outcome = bookings.cancel(
            id_type=appointment.id_type,
            id_number=appointment.id_number,
            phone=appointment.phone,
            number=appointment.number,
            slot=keys.slot_field(appointment.location, appointment.date),
            by=by,
            reason=reason,
            offer_seconds=settings.OFFER_MINUTES * 60,
        )
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    if outcome == "dose_given":
        raise BookingError("dose_given")
    if outcome == "cancelled":
        appointment_counted("cancelled")
    return outcome == "cancelled"


def appointment_move(
    *, appointment: Appointment, slot: object, today: datetime.date | None = None
) -> Appointment:
    """Moves the booking to `slot` ("CENTRE|DATE") in one step, or raises BookingError:
    "invalid" (fields["slot"]), "closed", "unknown_slot", "sold_out", "same_slot",
    "too_young" or "not_found" (the booking is no longer held)."""
    today = today or timezone.localdate()
    if registration_state() != "open":
        raise BookingError("closed")
    location, _, typed_date = str(slot or "").partition("|")
    try:
        location = validation.clean_location(location)
        date = validation.clean_date(typed_date)
    except validation.FieldError:
        raise BookingError("invalid", fields={"slot": ["date_missing"]}) from None
    if date < today:
        raise BookingError("unknown_slot")
    if not _old_enough_on(appointment, date, today=today):
        raise BookingError("too_young")
    return _move(
        appointment, location=location, date=date.isoformat(),
        second_dates=second_dose_dates(date.isoformat()),
    )  # fmt: skip


def appointment_move_second(*, appointment: Appointment, date: object) -> Appointment:
    """Moves the booking's second dose alone to `date`, a date in its first dose's interval
    (DOSE_INTERVAL_DAYS) at the same centre; raises BookingError like appointment_move."""
    if registration_state() != "open":
        raise BookingError("closed")
    offered = second_dose_dates(appointment.date)
    try:
        day = validation.clean_date(date).isoformat()
    except validation.FieldError:
        raise BookingError("invalid", fields={"second_date": ["date_missing"]}) from None
    if not appointment.second_date or day not in offered:
        raise BookingError("unknown_slot")
    return _move(
        appointment, location=appointment.location, date=day, second_dates=offered,
        second_only=True,
    )  # fmt: skip


def _move(
    appointment: Appointment,
    *,
    location: str,
    date: str,
    second_dates: tuple[str, ...],
    second_only: bool = False,
) -> Appointment:
    """One run of the move script for the appointment (lua/registration/move.lua), its
    outcome counted: the booking that replaces it, or BookingError."""
    try:
        outcome = bookings.move(
            id_type=appointment.id_type,
            id_number=appointment.id_number,
            phone=appointment.phone,
            number=appointment.number,
            old_slot=keys.slot_field(appointment.location, appointment.date),
            location=location,
            date=date,
            offer_seconds=settings.OFFER_MINUTES * 60,
            second_dates=second_dates,
            second_only=second_only,
        )
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    appointment_counted(outcome.outcome)
    if outcome.outcome != "moved":
        raise BookingError(outcome.outcome)
    entry = bookings.read_entry(outcome.number)
    if entry is None:  # only if the log lost an entry it just wrote
        raise BookingError("unavailable", retry_after=2)
    return appointment_of(outcome.number, entry, status="confirmed")


def _old_enough_on(appointment: Appointment, date: datetime.date, *, today: datetime.date) -> bool:
    """A MyKad carries its holder's birth date; a passport booking keeps none, so its holder
    (old enough on the date booked) may move only to that date or later."""
    if appointment.id_type == "mykad":
        born = validation.mykad_birth_date(appointment.id_number, today=today)
        return validation.old_enough(born, on=date)
    return date >= datetime.date.fromisoformat(appointment.date)


def appointment_resend(*, appointment: Appointment) -> None:
    """Sends the booking's confirmation SMS again, through the confirmations queue."""
    try:
        count, seconds = rates.rate_count("resend", str(appointment.number), int(time.time() // 60))
        if count > RESENDS_PER_MINUTE:
            appointment_counted("resend_limited")
            raise BookingError("rate_limited", retry_after=seconds)
        nonce = secrets.token_hex(8)
        django_rq.get_queue(RESEND_QUEUE).enqueue(
            RESEND_JOB,
            appointment.reference,
            f"{appointment.reference}:resend:{nonce}",
            job_id=f"resend-{nonce}",
            result_ttl=0,
            failure_ttl=24 * 3600,
        )
    except (StoreError, *REDIS_GONE):
        raise BookingError("unavailable", retry_after=2) from None
    appointment_counted("resent")
