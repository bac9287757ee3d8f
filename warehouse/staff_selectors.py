"""Reads for staff: a booking as Redis holds it now, with its confirmation's progress."""

import datetime
from dataclasses import dataclass

from confirmations import messages
from confirmations.selectors import ConfirmationJob, confirmation_job_for
from confirmations.services import channels_for
from registration.references import numbers_for, reference_for
from vaksin.sms_parts import sms_parts
from vaksin.store import bookings, outbox, purged, slots
from vaksin.store.entries import LogEntry
from vaksin.store.purged import is_purged
from vaksin.validation import compact_id_number
from warehouse.models import Booking


@dataclass(frozen=True)
class LiveBooking:
    reference: str
    entry: LogEntry
    active: bool
    sent: dict[str, datetime.datetime | None]
    job: ConfirmationJob | None
    exported: bool

    @property
    def purged(self) -> bool:
        return is_purged(self.entry)

    @property
    def purged_on(self) -> datetime.datetime | None:
        at = self.entry.get("purged_at")
        return datetime.datetime.fromtimestamp(int(at), tz=datetime.UTC) if at else None

    @property
    def booked_at(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(int(self.entry["at"]), tz=datetime.UTC)


def mask_id_number(id_number: str) -> str:
    """Enough of an ID number to tell two people apart on a screen, not enough to misuse."""
    shown = 4 if len(id_number) > 8 else 2
    return "•" * (len(id_number) - shown) + id_number[-shown:]


def booking_live(*, reference: str) -> LiveBooking | None:
    # A reference given before a key rotation can read two ways: the booking is the one there.
    number, entry = next(
        ((n, e) for n in numbers_for(reference) if (e := bookings.read_entry(n))), (0, None)
    )
    if not number or not entry or entry.get("kind") != "booked":
        return None
    reference = reference_for(number)
    sent = {
        channel: datetime.datetime.fromtimestamp(int(ms) / 1000, tz=datetime.UTC) if ms else None
        for channel, ms in outbox.confirmation_sent(number, channels_for(entry)).items()
    }
    if is_purged(entry):
        held = purged.read_bucketed("persons", entry["persons"].split(","))
        active = number in held
    else:
        active = bookings.read_person_number(entry["id_type"], entry["id_number"]) == number
    return LiveBooking(
        reference=reference,
        entry=entry,
        active=active,
        sent=sent,
        job=confirmation_job_for(reference=reference),
        exported=Booking.objects.filter(number=number).exists(),
    )


@dataclass(frozen=True)
class CancellationSms:
    """The SMS a staff cancel sends the person: to whom, in which language, what, in how many
    billed parts."""

    phone: str
    lang: str
    text: str
    parts: int


def cancellation_sms(booking: LiveBooking, *, lang: str = "") -> CancellationSms:
    """The text the confirmation worker sends once staff cancel `booking`, as it will send it
    (confirmations.messages, in the language the person booked in, or `lang`)."""
    entry = booking.entry
    centre = slots.read_centre(entry["location"])
    text = messages.sms_text(
        messages.Confirmation(
            reference=booking.reference,
            centre=centre.name if centre else entry["location"],
            date=datetime.date.fromisoformat(entry["date"]),
            window=entry.get("window", ""),
            lang=lang or entry.get("lang", "en"),
            kind="cancelled",
        )
    )
    return CancellationSms(
        phone=entry.get("phone", ""),
        lang=lang or entry.get("lang", "en"),
        text=text,
        parts=sms_parts(text),
    )


def booking_references_for(query: str) -> list[str]:
    """The bookings a reference or an ID number (either type) points at in Redis now."""
    text = query.strip()
    if not text:
        return []
    if numbers_for(text) and (live := booking_live(reference=text)):
        return [live.reference]
    compact = compact_id_number(text)
    found = []
    for id_type in ("mykad", "passport"):
        if held := bookings.read_person_number(id_type, compact):
            found.append(reference_for(held))
    return found
