"""Booking for a person, by a member of staff on the helpline: the same door as the wizard's and
the API's (registration.services.booking_create: the same validation, one booking per person,
the phone limit, the waiting room's pass), plus what only staff need: a limit per member of
staff per hour, and an audit row for every booking, written in the transaction around it.

The person's own mobile is proved as the wizard proves it (a code sent to it, which the person
reads out to staff); without one, the booking is made under a line of the call's own
(assisted/phoneless.py). In the waiting room, the call is one more client: its booking phone
(the person's, or the call's line) takes a ticket like any phone, and the booking script
checks that ticket's pass, so a helpline never books ahead of the queue.
"""

import time
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assisted.phoneless import is_phoneless
from audit.services import audit_record, search_fingerprint
from phones.services import VerifiedPhone, verification_confirm, verification_start
from registration.services import BookingRequest, booking_create, booking_request_clean
from vaksin.errors import BookingError
from vaksin.store import StoreError, rates
from waiting_room.services import Standing, queue_applies, queue_join

AUDIT_ACTION = "assisted_book"


class StaffLimitReached(BookingError):
    """This member of staff has made ASSISTED_BOOKINGS_PER_HOUR attempts this hour."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("staff_limit", retry_after=retry_after)


@dataclass(frozen=True)
class AssistedBooking:
    """What staff read out or print: whatever the booking door returned, as plain strings."""

    reference: str
    location: str
    date: str
    arrival_window: str
    lang: str
    phone_ending: str  # "" without a phone
    created: bool
    second_dose: dict[str, str] | None

    def as_session(self) -> dict[str, Any]:
        return asdict(self)


def helpline_code_send(*, phone: object, client_address: str, lang: str) -> str:
    """Sends a code to the person's mobile, as the wizard does; returns it as E.164. Raises
    VerificationError."""
    return verification_start(phone=phone, client_address=client_address, lang=lang)


def helpline_code_confirm(*, phone: str, code: object, client_address: str) -> VerifiedPhone:
    """The code the person read out: raises VerificationError unless it is theirs."""
    return verification_confirm(phone=phone, code=code, client_address=client_address)


def helpline_standing(*, phone: str) -> Standing | None:
    """While the waiting room applies, the call's place in it, taking a ticket for its booking
    phone if it holds none (as the waiting page does for a phone); None when it does not."""
    if not queue_applies():
        return None
    return queue_join(phone=phone)


def helpline_request_clean(*, answers: dict[str, str], phone: str, lang: str) -> BookingRequest:
    """The staff page's answers, cleaned by the same function as the API's and the wizard's
    (every error at once); raises BookingError "invalid"."""
    return booking_request_clean(
        id_type=answers.get("id_type"),
        id_number=answers.get("id_number"),
        name=answers.get("name"),
        phone=None,
        email=answers.get("email"),
        location=answers.get("location"),
        date=answers.get("date"),
        birth_date=answers.get("birth_date") or None,
        verified_phone=phone,
        lang=lang,
        today=timezone.localdate(),
    )


def _staff_attempt(staff_id: int) -> None:
    """Counts one booking attempt of this member of staff this hour; raises StaffLimitReached
    past the limit. Attempts, not only bookings, so the limit also bounds asking the booking
    script who is already registered."""
    try:
        count, seconds = rates.rate_count(
            "assisted", str(staff_id), int(time.time() // 3600), seconds=3600
        )
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    if count > settings.ASSISTED_BOOKINGS_PER_HOUR:
        raise StaffLimitReached(retry_after=seconds)


def assisted_booking_create(
    *,
    staff_id: int,
    actor: str,
    address: str | None,
    reason: str,
    request: BookingRequest,
) -> AssistedBooking:
    """Books `request` for the person, audited; raises BookingError (StaffLimitReached past the
    staff member's hourly limit).

    The audit row is written first, in the transaction around the booking: a booking whose row
    cannot be written is not made, and a refused booking rolls its row back. The row names the
    booking by its reference and the person by the keyed fingerprint the audit trail's searches
    use, never by the ID number."""
    _staff_attempt(staff_id)
    phoneless = is_phoneless(request.phone)
    with transaction.atomic():
        entry = audit_record(
            actor=actor,
            action=AUDIT_ACTION,
            target="",
            before="",
            after="; ".join(
                [
                    f"reason: {reason}",
                    "phone: none" if phoneless else f"phone: ending in {request.phone[-2:]}",
                    f"person: {search_fingerprint(request.id_number)}",
                ]
            ),
            address=address,
        )
        confirmation = booking_create(request=request)
        entry.target = confirmation.reference
        if not confirmation.created:
            entry.after += "; already held by this person, not booked again"
        entry.save(update_fields=["target", "after"])
    second = confirmation.as_json().get("second_dose")
    return AssistedBooking(
        reference=confirmation.reference,
        location=confirmation.location,
        date=confirmation.date,
        arrival_window=confirmation.arrival_window,
        lang=request.lang,
        phone_ending="" if phoneless else request.phone[-2:],
        created=confirmation.created,
        second_dose=(
            {str(key): str(value) for key, value in second.items()}
            if isinstance(second, dict)
            else None
        ),
    )
