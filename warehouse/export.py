"""The export of bookings from the Redis booking log to the warehouse table in PostgreSQL.

Incremental: a watermark row holds the number of the last log entry exported, and moves in the
same transaction as the rows it covers. Each chunk locks that row first, so two exports at once
take turns chunk by chunk and never read the same entries. Rows are written as
warehouse/rows.py says (one COPY, or the careful way that adds nothing twice); a row
PostgreSQL refuses is set aside (warehouse/set_aside.py) in the same transaction, so one bad
row never stops the export. Cancellation entries set cancelled_at on the booking they cancel.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.utils import Error as DatabaseError
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone

from vaksin.runloop import run_until_stopped
from vaksin.store import StoreError, bookings, doses, keys, metrics, slots, waitlist
from vaksin.store.entries import LogEntry
from warehouse.models import WATERMARK, ExportWatermark, SetAsideBooking
from warehouse.rows import BookingRow, booking_rows, bookings_write, cancellations_write
from warehouse.set_aside import set_aside_record

logger = logging.getLogger(__name__)

__all__ = ["WATERMARK", "ExportSummary", "VerifyReport", "bookings_export", "bookings_verify"]

CHUNK = 50_000  # log entries per transaction
PIECE = 5_000  # log entries read and written at a time
FIRST_PIECES = (500, 1_000, 2_000)

Chunk = tuple[list[tuple[int, LogEntry]], list[BookingRow]]


@dataclass
class ExportSummary:
    exported: int = 0
    cancellations: int = 0
    set_aside: int = 0
    entries: int = 0
    last_number: int = 0
    redis_active: int = 0
    warehouse_active: int = 0

    def line(self) -> str:
        aside = (
            f" {self.set_aside:,} refused by the warehouse and set aside (export_bookings "
            "--verify lists them);"
            if self.set_aside
            else ""
        )
        return (
            f"Exported {self.exported:,} bookings ({self.cancellations:,} cancellations);{aside} "
            f"Redis holds {self.redis_active:,} active bookings, the warehouse "
            f"{self.warehouse_active:,}."
        )


@dataclass
class VerifyReport:
    redis_active: int
    warehouse_active: int  # set-aside bookings included: each is a difference of its own
    redis_entries: int
    warehouse_entries: int
    differences: list[str] = field(default_factory=list)
    set_aside: list[int] = field(default_factory=list)  # their numbers
    redis_second_doses: int = 0  # active bookings' second doses
    warehouse_second_doses: int = 0


def store_unreachable(error: BaseException) -> bool:
    """Whether an export error is an outage (Redis or PostgreSQL away), to be waited out, rather
    than a refusal (a missing table, say) that waiting will not mend."""
    return isinstance(error, StoreError | OperationalError | InterfaceError)


def error_reason(error: BaseException) -> str:
    """What went wrong in PostgreSQL's (or Redis's) own words: the first line only, which names
    the problem but none of the values (they may be personal data)."""
    diag = getattr(error.__cause__, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return primary or (str(error).splitlines() or [type(error).__name__])[0]


def _write_piece(
    entries: list[tuple[int, LogEntry]], rows: list[BookingRow]
) -> tuple[int, int, int]:
    """Writes log entries (and the rows of those booked) inside the caller's transaction;
    returns (rows added, rows cancelled, rows set aside)."""
    added, refused = bookings_write(rows)
    set_aside_record(refused)
    # After the set-asides: a piece may cancel a booking it has just set aside.
    return added, cancellations_write(entries), len(refused)


def bookings_export(
    *, chunk: int = CHUNK, on_progress: Callable[[int, int], None] | None = None
) -> ExportSummary:
    """Exports every log entry written before the call; on_progress(done, total) per chunk."""
    ExportWatermark.objects.get_or_create(name=WATERMARK)
    # Stop at the end of the log as it is now, so a run under live traffic finishes.
    target = bookings.read_last_number()
    start = ExportWatermark.objects.get(name=WATERMARK).last_number
    summary = ExportSummary(last_number=start)
    # The first pieces are smaller, so that PostgreSQL starts writing soon after the run does.
    sizes = iter([*(size for size in FIRST_PIECES if size < chunk), min(chunk, PIECE)])
    size = next(sizes)

    def read(after: int, size: int) -> Chunk:
        entries = bookings.read_entries(after=after, count=min(size, target - after))
        return entries, booking_rows(entries, exported_at=timezone.now())

    # Reading Redis and making the rows (references and all) cost about as much as PostgreSQL's
    # writing them, so the next piece is read and made while the current one is written: a
    # guess at where it starts, dropped and read afresh if another export moved the watermark
    # meanwhile.
    with ThreadPoolExecutor(max_workers=1) as reader:
        ahead: tuple[int, Future[Chunk]] | None = None

        def fetch(after: int) -> Chunk:
            nonlocal ahead, size
            if ahead and ahead[0] == after:
                entries, rows = ahead[1].result()
            else:
                entries, rows = read(after, size)
            size = next(sizes, size)
            end = entries[-1][0] if entries else target
            ahead = (end, reader.submit(read, end, size)) if end < target else None
            return entries, rows

        while True:
            done = ExportSummary()
            with transaction.atomic():
                watermark = ExportWatermark.objects.select_for_update().get(name=WATERMARK)
                after = watermark.last_number
                while after < target and done.entries < chunk:
                    entries, rows = fetch(after)
                    if not entries:
                        break
                    added, cancelled, set_aside = _write_piece(entries, rows)
                    done.exported += added
                    done.cancellations += cancelled
                    done.set_aside += set_aside
                    done.entries += len(entries)
                    after = entries[-1][0]
                if not done.entries:
                    break
                watermark.last_number = after
                watermark.save(update_fields=["last_number", "updated_at"])
            summary.exported += done.exported
            summary.cancellations += done.cancellations
            summary.set_aside += done.set_aside
            summary.entries += done.entries
            if on_progress:
                on_progress(after - start, max(target - start, 1))
    summary.last_number = max(after, start)
    summary.redis_active = sum(slots.read_booked_counts().values())
    summary.warehouse_active = _warehouse_counts()[0]
    return summary


def _warehouse_counts() -> tuple[int, int, dict[str, int]]:
    """(active rows, all rows, active rows per "<centre>|<date>")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT location_id, date, count(*) FILTER (WHERE cancelled_at IS NULL), count(*) "
            "FROM registration_booking GROUP BY location_id, date"
        )
        rows = cursor.fetchall()
    per_slot = {keys.slot_field(loc, day.isoformat()): active for loc, day, active, _ in rows}
    return sum(r[2] for r in rows), sum(r[3] for r in rows), per_slot


def _warehouse_second_doses() -> dict[str, int]:
    """Active rows per second-dose slot ("<centre>|<second date>")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT location_id, second_date, count(*) FROM registration_booking "
            "WHERE cancelled_at IS NULL AND second_date IS NOT NULL "
            "GROUP BY location_id, second_date"
        )
        return {keys.slot_field(loc, day.isoformat()): count for loc, day, count in cursor}


def bookings_verify() -> VerifyReport:
    """Compares the warehouse with Redis: active bookings per slot, their second doses per
    second-dose slot, and every log entry."""
    # A place a waiting-list offer holds is counted as booked in Redis, but is no booking yet.
    held = waitlist.held_counts()
    redis_slots = {
        slot: count - held.get(slot, 0)
        for slot, count in slots.read_booked_counts().items()
        if count - held.get(slot, 0)
    }
    log_length, last_number = bookings.read_log_length(), bookings.read_last_number()
    offers = waitlist.offers_made()
    active, rows, warehouse_slots = _warehouse_counts()
    warehouse_slots = {slot: count for slot, count in warehouse_slots.items() if count}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registration_booking WHERE cancelled_at IS NOT NULL")
        (cancelled,) = cursor.fetchone() or (0,)
    # A set-aside booking is counted where the warehouse would hold it and reported on its own,
    # so the report names it rather than a slot whose count is one short.
    aside = list(SetAsideBooking.objects.order_by("number"))
    # Second doses the same way: a second-dose place a waiting-list offer holds is counted in
    # Redis too (its waiter record names it), and is no booking's yet.
    held2 = doses.second_doses_held()
    redis_seconds = {
        slot: count - held2.get(slot, 0)
        for slot, count in slots.read_slots().booked2.items()
        if count - held2.get(slot, 0)
    }
    warehouse_seconds = _warehouse_second_doses()
    for row in aside:
        if row.cancelled_at is None:
            slot = keys.slot_field(row.entry.get("location", ""), row.entry.get("date", ""))
            warehouse_slots[slot] = warehouse_slots.get(slot, 0) + 1
            if row.entry.get("date2"):
                slot2 = keys.slot_field(row.entry.get("location", ""), row.entry["date2"])
                warehouse_seconds[slot2] = warehouse_seconds.get(slot2, 0) + 1
    report = VerifyReport(
        redis_active=sum(redis_slots.values()),
        warehouse_active=active,
        redis_entries=log_length - offers,
        # Every log entry but an offer is a booking row, or a cancellation marked on one.
        warehouse_entries=rows + cancelled + sum(1 + bool(row.cancelled_at) for row in aside),
        set_aside=[row.number for row in aside],
        redis_second_doses=sum(redis_seconds.values()),
        warehouse_second_doses=sum(warehouse_seconds.values()),
    )
    for row in aside:
        report.differences.append(
            f"booking {row.number:,} ({row.reference}) was refused by the warehouse and set "
            f"aside on {row.set_aside_at:%Y-%m-%d %H:%M} UTC, {row.tries:,} tries: {row.error}. "
            "Put the cause right, then retry it: export_bookings --retry, or the admin's "
            "bookings set aside by the export"
        )
    for slot in sorted(redis_slots.keys() | warehouse_slots.keys()):
        if redis_slots.get(slot, 0) != warehouse_slots.get(slot, 0):
            report.differences.append(
                f"{slot.replace('|', ' ')}: Redis holds {redis_slots.get(slot, 0):,} active "
                f"bookings, the warehouse {warehouse_slots.get(slot, 0):,}"
            )
    for slot in sorted(redis_seconds.keys() | warehouse_seconds.keys()):
        if redis_seconds.get(slot, 0) != warehouse_seconds.get(slot, 0):
            report.differences.append(
                f"{slot.replace('|', ' ')}: Redis holds {redis_seconds.get(slot, 0):,} second "
                f"doses of active bookings, the warehouse {warehouse_seconds.get(slot, 0):,}"
            )
    if log_length != last_number:
        report.differences.append(
            f"the booking log has {log_length:,} entries but its last is number {last_number:,}"
        )
    if report.redis_entries != report.warehouse_entries:
        report.differences.append(
            f"the booking log has {report.redis_entries:,} entries besides offers, the warehouse "
            "accounts for "
            f"{report.warehouse_entries:,} (bookings plus cancellations)"
        )
    return report


def export_lag(*, now: float) -> tuple[int, float]:
    """Log entries not yet in the warehouse, and how long the oldest of them has waited (s)."""
    watermark = ExportWatermark.objects.filter(name=WATERMARK).first()
    after = watermark.last_number if watermark else 0
    waiting = bookings.read_entries(after=after, count=1)
    if not waiting:
        return 0, 0.0
    return bookings.read_last_number() - after, max(now - int(waiting[0][1]["at"]), 0.0)


def bookings_export_loop(*, interval: float, should_stop: Callable[[], bool]) -> int:
    """Exports every `interval` seconds until should_stop(); returns how many runs finished.

    A Redis or PostgreSQL outage is waited out (with backoff), never a reason to exit: the
    watermark moves only with the rows it covers, so a run cut short leaves nothing to repair.
    Each finished run is recorded for operators (`vaksin_export_last_success_timestamp_seconds`).
    """

    def step() -> float:
        started = time.monotonic()
        summary = bookings_export()
        metrics.counters_set({"export:last_success": time.time()})
        metrics.counters_add({"export:rows": summary.exported})
        if summary.exported or summary.cancellations or summary.set_aside:
            logger.info(
                "exported",
                extra={
                    "bookings": summary.exported,
                    "cancellations": summary.cancellations,
                    "set_aside": summary.set_aside,
                },
            )
        return interval - (time.monotonic() - started)

    def failed(error: BaseException, wait: float) -> None:
        logger.warning(
            "export failed, retrying",
            extra={
                "error": type(error).__name__,
                "cause": "unreachable" if store_unreachable(error) else "refused",
                "reason": error_reason(error),
                "wait": wait,
            },
        )
        # A broken connection is not reused: the next try opens a new one.
        connection.close()

    # A refusal (a missing table) is waited out too: operators are alerted (the export's last
    # success grows old) and the next run after their fix goes on where this one stopped.
    return run_until_stopped(
        step,
        name="export",
        should_stop=should_stop,
        outage=lambda error: isinstance(error, StoreError | DatabaseError),
        on_outage=failed,
        ceiling=max(interval, 30.0),
    )
