"""Staff writes, each recorded in the audit trail: who, when, what, before, after, from where.

The audit row is written in the same PostgreSQL transaction that wraps the Redis write: a
refused change raises and leaves no row, and a database that cannot take the row stops the
change before Redis is touched. The one gap left is a commit failing after the Redis write.
"""

import datetime

from django.db import transaction

from audit.services import audit_record
from availability.models import Centre
from availability.services import (
    CapacityChange,
    centre_published,
    centre_save,
    slot_set_capacity,
)


def _centre_state(centre: Centre | None) -> str:
    return centre_published(centre).as_json() if centre is not None else ""


def staff_centre_save(
    *,
    actor: str,
    address: str | None,
    centre_id: str,
    name: str,
    state: str,
    opens_at: datetime.time,
    closes_at: datetime.time,
) -> Centre:
    """Saves a centre and publishes it to Redis for the booking script."""
    with transaction.atomic():
        before = Centre.objects.select_for_update().filter(id=centre_id).first()
        entry = audit_record(
            actor=actor,
            action="centre",
            target=centre_id,
            before=_centre_state(before),
            after="",
            address=address,
        )
        centre = centre_save(
            centre_id=centre_id, name=name, state=state, opens_at=opens_at, closes_at=closes_at
        )
        entry.after = _centre_state(centre)
        entry.save(update_fields=["after"])
    return centre


def staff_capacity_set(
    *, actor: str, address: str | None, location: str, date: datetime.date, capacity: int
) -> CapacityChange:
    """Sets (or adds) a slot's capacity; raises CapacityError below the places booked."""
    with transaction.atomic():
        entry = audit_record(
            actor=actor,
            action="capacity",
            target=f"{location} {date.isoformat()}",
            before="",
            after=str(capacity),
            address=address,
        )
        change = slot_set_capacity(location=location, date=date, capacity=capacity)
        entry.before = "new date" if change.previous is None else str(change.previous)
        entry.save(update_fields=["before"])
    return change
