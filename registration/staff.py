"""Staff writes to bookings, each recorded in the audit trail in the same transaction (see
availability/staff.py for why)."""

from django.db import transaction

from audit.services import audit_record
from registration.services import booking_cancel


def staff_booking_cancel(*, actor: str, address: str | None, reference: str, reason: str) -> bool:
    """Cancels a booking (its place goes back to the slot); False if it is not active."""
    with transaction.atomic():
        entry = audit_record(
            actor=actor,
            action="cancel",
            target=reference,
            before="active",
            after=f"cancelled: {reason}" if reason else "cancelled",
            address=address,
        )
        cancelled = booking_cancel(reference=reference, by=f"staff:{actor}", reason=reason)
        if not cancelled:
            # Nothing was written, so there is nothing to audit.
            entry.delete()
    return cancelled
