"""Bookings the warehouse refused: kept aside with PostgreSQL's reason, so that the export goes on
without them, counted for operators, and tried again by staff once the cause is put right.

A set-aside booking is not exported: the purge leaves its personal data in Redis, and
`export_bookings --verify` fails, until a retry puts it in the warehouse.
"""

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from registration.references import reference_for
from vaksin.store import StoreError, metrics
from warehouse.models import WATERMARK, Booking, ExportWatermark, SetAsideBooking
from warehouse.rows import Refusal, booking_rows, bookings_write

logger = logging.getLogger(__name__)


@dataclass
class RetryResult:
    exported: list[str] = field(default_factory=list)  # references now in the warehouse
    refused: dict[str, str] = field(default_factory=dict)  # reference -> the reason, again


def set_aside_record(refusals: list[Refusal]) -> None:
    """Keeps each refused booking aside, inside the caller's transaction (the one that moves
    the watermark past it), and tells operators: a log line without personal data, a count."""
    if not refusals:
        return
    now = timezone.now()
    for refusal in refusals:
        SetAsideBooking.objects.update_or_create(
            number=refusal.number,
            defaults={
                "reference": reference_for(refusal.number),
                "entry": refusal.entry,
                "error": f"{refusal.reason} (SQLSTATE {refusal.sqlstate})",
                "tried_at": now,
            },
            create_defaults={
                "reference": reference_for(refusal.number),
                "entry": refusal.entry,
                "error": f"{refusal.reason} (SQLSTATE {refusal.sqlstate})",
                "set_aside_at": now,
                "tried_at": now,
            },
        )
        logger.error(
            "the warehouse refused a booking; set aside",
            extra={
                "number": refusal.number,
                "sqlstate": refusal.sqlstate,
                "reason": refusal.reason,
            },
        )
    # A count lost to a Redis hiccup is not worth undoing the export for.
    with contextlib.suppress(StoreError):
        metrics.counters_add({"export:set_aside": len(refusals)})


def set_aside_retry(*, numbers: Iterable[int] | None = None) -> RetryResult:
    """Tries the set-aside bookings (all, or those numbered) again: each one the warehouse now
    takes is written, with its cancellation if it had one, and leaves the set-aside table."""
    result = RetryResult()
    with transaction.atomic():
        # The export's lock: a cancellation it writes meanwhile cannot fall between the two.
        ExportWatermark.objects.get_or_create(name=WATERMARK)
        ExportWatermark.objects.select_for_update().get(name=WATERMARK)
        waiting = SetAsideBooking.objects.select_for_update()
        if numbers is not None:
            waiting = waiting.filter(number__in=list(numbers))
        for row in waiting:
            # The entry as Redis held it: its second dose, if it had one, goes in with it.
            _, refused = bookings_write(
                booking_rows([(row.number, row.entry)], exported_at=timezone.now())
            )
            if refused:
                row.error = f"{refused[0].reason} (SQLSTATE {refused[0].sqlstate})"
                row.tries += 1
                row.tried_at = timezone.now()
                row.save(update_fields=["error", "tries", "tried_at"])
                result.refused[row.reference] = row.error
                continue
            if row.cancelled_at:
                Booking.objects.filter(number=row.number, cancelled_at__isnull=True).update(
                    cancelled_at=row.cancelled_at
                )
            row.delete()
            result.exported.append(row.reference)
    return result


def set_aside_numbers() -> set[int]:
    return set(SetAsideBooking.objects.values_list("number", flat=True))


def set_aside_count() -> int:
    return SetAsideBooking.objects.count()
