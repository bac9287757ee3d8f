"""Staff writes to bookings, each recorded in the audit trail in the same transaction (see
availability/staff.py for why)."""

from django.db import transaction

from audit.services import audit_record
from registration.doses import DoseEvent, DoseResult, dose_event
from registration.services import booking_cancel

# Staff who record doses given and no-shows, and let go of second doses, at the centre.
RECORD_DOSE_PERMISSION = "audit.record_dose"


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


def staff_dose_record(
    *, actor: str, address: str | None, reference: str, event: DoseEvent
) -> DoseResult:
    """Records what happened at the centre (registration.doses.dose_event), audited; raises
    DoseError, leaving no audit row, when it is refused. As staff_booking_cancel, the row is
    written before Redis is asked, so a PostgreSQL that cannot take it stops the change."""
    with transaction.atomic():
        entry = audit_record(
            actor=actor,
            action=f"dose_{event}",
            target=reference,
            before="",
            after="",
            address=address,
        )
        # A refusal raises: the transaction is rolled back and takes the row with it.
        result = dose_event(reference=reference, event=event, by=f"staff:{actor}")
        entry.before, entry.after = result.before, result.after
        entry.save(update_fields=["before", "after"])
    return result
