"""Opening a dispute, and what staff may do with one. Every staff decision is audited, in the
same transaction that records it."""

import contextlib
import secrets

import django_rq
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from disputes.models import Dispute
from registration.references import reference_for
from registration.services import booking_cancel
from vaksin.errors import BookingError
from vaksin.store import StoreError, bookings, keys, rates
from vaksin.store.connection import REDIS_GONE
from vaksin.validation import compact_id_number

NOTICE_QUEUE = "confirmations"
NOTICE_JOB = "disputes.jobs.dispute_notice_job"
# Disputes one phone may open a day: a person has one ID number to defend, a family a few; a
# script with a list of ID numbers would send an SMS to each booking's phone.
DISPUTES_PER_PHONE_A_DAY = 3


class DisputeRefused(Exception):
    """Staff asked for something the dispute does not allow; the message says why."""


def person_name(id_type: str, id_number: str) -> str:
    return keys.bucketed_name(*keys.person_key(id_type, id_number))


def dispute_open(
    *, id_type: str, id_number: str, claimant_phone: str, claimant_name: str, lang: str
) -> Dispute:
    """Records that the booking held under this ID number is not the claimant's, and tells the
    phone it was made from. Raises BookingError: "not_found" (nothing to dispute: no booking,
    or it was made from this very phone), "rate_limited" or "unavailable"."""
    person = person_name(id_type, id_number)
    if existing := Dispute.objects.filter(person=person, status=Dispute.OPEN).first():
        return existing
    try:
        number = bookings.read_person_number(id_type, id_number)
        entry = bookings.read_entry(number) if number else None
        if not number or not entry or entry.get("phone", claimant_phone) == claimant_phone:
            raise BookingError("not_found")
        day = int(timezone.now().timestamp() // 86400)
        count, _ = rates.rate_count(
            "dispute", keys.phone_key(claimant_phone)[1], day, seconds=86400
        )
        if count > DISPUTES_PER_PHONE_A_DAY:
            raise BookingError("rate_limited", retry_after=86400)
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    dispute = Dispute.objects.create(
        number=number,
        reference=reference_for(number),
        person=person,
        id_type=id_type,
        id_ending=id_number[-4:],
        claimant_phone=claimant_phone,
        claimant_name=claimant_name,
        lang=lang,
    )
    nonce = secrets.token_hex(8)
    # The holder's phone hears of it; lost to an outage, it is not worth failing the dispute.
    with contextlib.suppress(StoreError, *REDIS_GONE):
        django_rq.get_queue(NOTICE_QUEUE).enqueue(
            NOTICE_JOB, dispute.pk, f"dispute-{dispute.pk}-{nonce}", job_id=f"dispute-{nonce}",
            result_ttl=0, failure_ttl=24 * 3600,
        )  # fmt: skip
    return dispute


def dispute_of(*, id_type: str, id_number: str, claimant_phone: str) -> Dispute | None:
    """The person's latest dispute opened from this phone, for the page that says where it
    stands."""
    person = person_name(id_type, id_number)
    return (
        Dispute.objects.filter(person=person, claimant_phone=claimant_phone)
        .order_by("-opened_at")
        .first()
    )


def _checked(dispute: Dispute, id_number_seen: str) -> None:
    if dispute.status != Dispute.OPEN:
        raise DisputeRefused("This dispute has been decided already.")
    seen = compact_id_number(id_number_seen)
    if person_name(dispute.id_type, seen) != dispute.person:
        raise DisputeRefused(
            "The ID number typed is not the disputed booking's. Check the MyKad (or passport) "
            "in front of you and type its number again."
        )


def _resolved(
    dispute: Dispute, *, status: str, actor: str, address: str | None, note: str, after: str
) -> None:
    dispute.status = status
    dispute.resolved_at = timezone.now()
    dispute.resolved_by = actor
    dispute.note = note
    dispute.save()
    audit_record(
        actor=actor, action=f"dispute_{status}", target=dispute.reference, before="open",
        after=after[:500], address=address,
    )  # fmt: skip


def dispute_transfer(
    *, dispute: Dispute, id_number_seen: str, actor: str, address: str | None, note: str
) -> str:
    """Gives the disputed booking to the claimant's phone, in their name; returns the new
    reference (their SMS brings it). The phone it was made from is told it is cancelled."""
    _checked(dispute, id_number_seen)
    with transaction.atomic():
        try:
            number = bookings.transfer(
                id_type=dispute.id_type,
                id_number=compact_id_number(id_number_seen),
                number=dispute.number,
                old_phone=_booking_phone(dispute.number),
                new_phone=dispute.claimant_phone,
                name=dispute.claimant_name,
                lang=dispute.lang,
                by=f"staff:{actor}",
            )
        except StoreError:
            raise DisputeRefused("Redis did not answer; nothing was changed. Try again.") from None
        if number is None:
            raise DisputeRefused("The person no longer holds this booking: nothing to give.")
        dispute.new_reference = reference_for(number)
        given = f"given to the person's phone as {dispute.new_reference}: {note}"
        _resolved(dispute, status=Dispute.TRANSFERRED, actor=actor, address=address, note=note,
                  after=given)  # fmt: skip
    return dispute.new_reference


def _booking_phone(number: int) -> str:
    entry = bookings.read_entry(number) or {}
    return entry.get("phone", "")


def dispute_cancel(
    *, dispute: Dispute, id_number_seen: str, actor: str, address: str | None, note: str
) -> None:
    """Cancels the disputed booking (the place goes back); the person may then book."""
    _checked(dispute, id_number_seen)
    with transaction.atomic():
        try:
            cancelled = booking_cancel(
                reference=dispute.reference, by=f"staff:{actor}", reason="disputed"
            )
        except StoreError:
            raise DisputeRefused("Redis did not answer; nothing was changed. Try again.") from None
        if not cancelled:
            raise DisputeRefused("The booking is no longer active: nothing to cancel.")
        _resolved(dispute, status=Dispute.CANCELLED, actor=actor, address=address, note=note,
                  after=f"booking cancelled: {note}")  # fmt: skip


def dispute_reject(*, dispute: Dispute, actor: str, address: str | None, note: str) -> None:
    """Leaves the booking as it was (it was made with the person's consent, say)."""
    if dispute.status != Dispute.OPEN:
        raise DisputeRefused("This dispute has been decided already.")
    with transaction.atomic():
        _resolved(dispute, status=Dispute.REJECTED, actor=actor, address=address, note=note,
                  after=f"left as it was: {note}")  # fmt: skip
