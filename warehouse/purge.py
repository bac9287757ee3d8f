"""Personal data has an end: removing ID numbers, names, phones and e-mails from Redis once a
booking is exported and its date is more than RETENTION_DAYS past.

What stays (see vaksin/store/purged.py): the booking's number and so its reference, its slot and
arrival window, its second dose's date and window, the slot counters, and the person's and phone's
keyed HMAC names. The person still holds the booking, so a purge never lets the same person book
twice; the phone's count stays too. The PostgreSQL warehouse is not purged here (docs/operations.md
says why and what to do about it).

A cancellation (a move writes one too) names the phone its SMS went to: it goes with the
booking it cancelled, once that booking's date is past retention.

A booking of two doses is dated by its second: the person needs their data (the look-up, the
confirmation, a move of the second dose) until that appointment, weeks after the first, is past
retention too.

A waiting list's personal data ends sooner, with its date: the lists dated before today are
closed (their waiters forgotten) and the offers made on them, which name the waiter's phone, are
purged from the log. A waiter who booked is a booking like any other.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from vaksin.store import bookings, keys, metrics, outbox, purged
from vaksin.store.entries import LogEntry
from waitlist.services import waitlists_close_ended
from warehouse.models import WATERMARK, ExportWatermark
from warehouse.set_aside import set_aside_numbers

# Bookings purged per script call: each call holds Redis for the time it takes (a few ms for
# this many), so a purge run beside live traffic never stalls a booking for long.
BATCH = 500


@dataclass
class PurgeSummary:
    cutoff: datetime.date  # bookings dated before this day may be purged
    dry_run: bool = False
    purged: int = 0  # by this run (dry run: that would be)
    kept: int = 0  # bookings that keep their personal data for now
    purged_before: int = 0  # by earlier runs (or by a run at the same time)
    offers: int = 0  # waiting-list offers of dates before today purged (dry run: that would be)
    waiters: int = 0  # waiters forgotten with their lists (none in a dry run)
    cancellations: int = 0  # cancellations and moves purged (dry run: that would be)

    def line(self) -> str:
        verb = "Would purge" if self.dry_run else "Purged"
        return (
            f"{verb} the personal data of {self.purged:,} bookings dated before "
            f"{self.cutoff.isoformat()}; {self.kept:,} keep theirs (not old enough, not yet "
            "exported or relayed, set aside by the export, or the log's last entry); "
            f"{self.purged_before:,} were purged before. Waiting lists of past dates: "
            f"{self.offers:,} offers purged, {self.waiters:,} waiters forgotten. "
            f"Cancellations and moves: {self.cancellations:,} purged."
        )


def purge_cutoff(*, today: datetime.date, retention_days: int) -> datetime.date:
    """The first day whose bookings keep their data: a date more than `retention_days` before
    `today` is past retention."""
    return today - datetime.timedelta(days=retention_days)


def personal_data_purge(
    *,
    today: datetime.date,
    retention_days: int,
    dry_run: bool = False,
    batch: int = BATCH,
    on_progress: Callable[[int, int], None] | None = None,
) -> PurgeSummary:
    """Purges every booking that is exported, relayed and dated more than `retention_days`
    before `today`; on_progress(done, total) as it reads the log. Safe to re-run (a purged
    booking is not read again) and to run twice at once (the script purges each booking once).
    """
    summary = PurgeSummary(cutoff=purge_cutoff(today=today, retention_days=retention_days))
    summary.dry_run = dry_run
    summary.purged_before = purged.purged_count("bookings")
    if not dry_run:
        summary.waiters = waitlists_close_ended(today=today)[1]
    watermark = ExportWatermark.objects.filter(name=WATERMARK).first()
    last = bookings.read_last_number()
    # Only what the warehouse already holds and what the relay has finished with: the export
    # would otherwise copy empty fields, and a relay re-reading its pending list would find a
    # deleted entry. The log's last entry numbers the next booking: the script keeps it.
    limit = min(watermark.last_number if watermark else 0, last - 1)
    # A booking the warehouse refused is not exported either: it keeps its data until a retry.
    aside = set_aside_numbers()
    unrelayed = outbox.outbox_oldest_unrelayed()
    if unrelayed is not None:
        limit = min(limit, unrelayed - 1)
    cutoff = summary.cutoff.isoformat()
    now = int(time.time())
    after = 0
    while page := bookings.read_entries(after=after, count=batch, purged=False):
        items, offers, cancellations = [], [], []
        for number, entry in page:
            if entry.get("kind") == "offered":
                # It names the waiter's phone: it goes once its list is over, relayed and
                # passed by the export like any entry.
                if number <= limit and entry["date"] < today.isoformat():
                    offers.append(
                        purged.PurgeItem(number, purged.offer_record(entry, purged_at=now))
                    )
                continue
            if entry.get("kind") == "cancelled":
                if number <= limit and _last_date(entry) < cutoff:
                    record = purged.cancellation_record(
                        entry, phones=_phone_names(entry["phone"]), purged_at=now
                    )
                    cancellations.append(purged.PurgeItem(number, record))
                continue
            if entry.get("kind") != "booked":
                continue
            if number > limit or _last_date(entry) >= cutoff or number in aside:
                summary.kept += 1
                continue
            items.append(purged.PurgeItem(number=number, record=_record(entry, now)))
        if dry_run:
            summary.purged += len(items)
            summary.offers += len(offers)
            summary.cancellations += len(cancellations)
        else:
            summary.offers += purged.purge_batch(offers)
            summary.cancellations += purged.purge_batch(cancellations)
            done = purged.purge_batch(items)
            summary.purged += done
            # Purged meanwhile by a run at the same time: theirs, not ours.
            summary.purged_before += len(items) - done
        after = page[-1][0]
        if on_progress:
            on_progress(after, max(last, 1))
    if not dry_run:
        metrics.counters_add({"purge:bookings": summary.purged})
        metrics.counters_set({"purge:last_success": time.time()})
    return summary


def _last_date(entry: LogEntry) -> str:
    """The date of the booking's last dose (ISO dates compare as strings): a cancellation names
    the dates of the booking it cancelled."""
    return max(entry["date"], entry.get("date2") or "")


def _record(entry: LogEntry, now: int) -> str:
    persons = keys.person_keys(entry["id_type"], entry["id_number"])
    return purged.purge_record(
        entry,
        persons=[keys.bucketed_name(*name) for name in persons],
        phones=_phone_names(entry["phone"]),
        purged_at=now,
    )


def _phone_names(phone: str) -> list[str]:
    return [keys.bucketed_name(*name) for name in keys.phone_keys(phone)] if phone else []
