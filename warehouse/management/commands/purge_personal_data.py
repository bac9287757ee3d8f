from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from vaksin.progress import Progress
from vaksin.store import StoreError
from warehouse.export import error_reason
from warehouse.purge import BATCH, personal_data_purge


class Command(BaseCommand):
    help = (
        "Removes ID numbers, names, phones and e-mails from Redis for bookings that are "
        "exported to the warehouse and whose date is more than RETENTION_DAYS (default 90) "
        "days past. Each booking keeps its reference, slot, arrival window and counters, and "
        "its person still holds it (they cannot book again). The PostgreSQL warehouse is NOT "
        "purged by this command. Waiting lists of dates before today are closed (their "
        "waiters' data removed) and their offers purged from the log; cancellations and "
        "moves go with the bookings they cancelled. Safe to re-run or to run twice at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be purged; change nothing.",
        )
        parser.add_argument(
            "--retention-days",
            type=int,
            default=None,
            help="Days after its date a booking keeps its personal data (default: "
            "RETENTION_DAYS). Only a longer retention than RETENTION_DAYS is accepted.",
        )
        parser.add_argument(
            "--batch", type=int, default=BATCH, help="Bookings purged per call to Redis."
        )

    def handle(
        self,
        *args: Any,
        dry_run: bool,
        retention_days: int | None,
        batch: int,
        **options: Any,
    ) -> None:
        if batch < 1:
            raise CommandError("--batch must be 1 or more.")
        days = settings.RETENTION_DAYS if retention_days is None else retention_days
        if days < settings.RETENTION_DAYS:
            raise CommandError(
                f"--retention-days must be at least RETENTION_DAYS ({settings.RETENTION_DAYS}): "
                "to keep data for less, change RETENTION_DAYS."
            )
        progress: Progress | None = None

        def advance(done: int, total: int) -> None:
            nonlocal progress
            if progress is None:
                progress = Progress("Purging", total)
            progress.advance(done - progress.done)

        try:
            summary = personal_data_purge(
                today=timezone.localdate(),
                retention_days=days,
                dry_run=dry_run,
                batch=batch,
                on_progress=advance,
            )
        except (StoreError, DatabaseError) as error:
            # Each batch is purged in one script: what was purged stays purged.
            where = "Redis at REDIS_URL" if isinstance(error, StoreError) else "PostgreSQL"
            raise CommandError(
                f"Purge stopped: {where} could not be reached ({error_reason(error)}). What "
                "was purged before this stays purged: run purge_personal_data again once it "
                "is back."
            ) from error
        if progress is not None:
            progress.finish()
        self.stdout.write(summary.line())
