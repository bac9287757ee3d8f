from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from vaksin.progress import Progress
from vaksin.stopping import stop_on_signals
from vaksin.store import StoreError
from warehouse.export import (
    CHUNK,
    bookings_export,
    bookings_export_loop,
    bookings_verify,
    error_reason,
    store_unreachable,
)
from warehouse.set_aside import set_aside_retry


class Command(BaseCommand):
    help = (
        "Exports new bookings and cancellations from the Redis booking log to the warehouse "
        "table registration_booking. Incremental and safe to re-run or to run twice at once. "
        "A booking the warehouse refuses is set aside and the export goes on; --verify then "
        "compares the warehouse with Redis, lists the bookings set aside and exits 1 on any "
        "difference. --retry tries the set-aside bookings again first. --loop exports every "
        "EXPORT_INTERVAL seconds until stopped (the Procfile's export), waiting out any Redis or "
        "PostgreSQL outage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verify",
            action="store_true",
            help="After exporting, compare the warehouse with Redis; exit 1 on any difference.",
        )
        parser.add_argument(
            "--retry",
            action="store_true",
            help="First try the bookings the warehouse refused again (once their cause is "
            "put right).",
        )
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Log entries per transaction.")
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Export every EXPORT_INTERVAL seconds until stopped (SIGTERM or Ctrl-C).",
        )

    def handle(
        self, *args: Any, verify: bool, retry: bool, chunk: int, loop: bool, **options: Any
    ) -> None:
        if chunk < 1:
            raise CommandError("--chunk must be 1 or more.")
        if loop:
            self._loop()
            return
        if retry:
            self._retry()
        progress: Progress | None = None

        def advance(done: int, total: int) -> None:
            nonlocal progress
            if progress is None:
                progress = Progress("Exporting", total)
            progress.advance(done - progress.done)

        try:
            summary = bookings_export(chunk=chunk, on_progress=advance)
        except (StoreError, DatabaseError) as error:
            raise self._stopped(error) from error
        if progress is not None:
            progress.finish()
        self.stdout.write(summary.line())
        if not verify:
            return
        report = bookings_verify()
        for difference in report.differences:
            self.stderr.write(f"Difference: {difference}")
        if report.differences:
            raise CommandError(
                f"Verify failed: {len(report.differences)} difference(s) between Redis and the "
                "warehouse.",
                returncode=1,
            )
        self.stdout.write(
            f"Verified: {report.warehouse_active:,} active bookings, "
            f"{report.warehouse_second_doses:,} second doses and "
            f"{report.warehouse_entries:,} log entries match Redis."
        )

    @staticmethod
    def _stopped(error: StoreError | DatabaseError) -> CommandError:
        """Why the export stopped, in words that name the cause."""
        # Each chunk commits with the watermark that covers it: what was exported stays, and
        # the next run starts after it.
        kept = "Bookings exported before this are kept and nothing is lost"
        if isinstance(error, StoreError):
            return CommandError(
                f"Export stopped: Redis could not be reached at REDIS_URL ({error_reason(error)}). "
                f"{kept}: run export_bookings again once it is back."
            )
        if store_unreachable(error):
            return CommandError(
                "Export stopped: PostgreSQL could not be reached at DATABASE_URL "
                f"({error_reason(error)}). {kept}: run export_bookings again once it is back."
            )
        return CommandError(
            f"Export stopped: PostgreSQL refused it ({type(error).__name__}: "
            f"{error_reason(error)}). {kept}. Is every migration applied (manage.py migrate)?"
        )

    def _retry(self) -> None:
        try:
            result = set_aside_retry()
        except DatabaseError as error:
            raise self._stopped(error) from error
        for reference, reason in result.refused.items():
            self.stderr.write(f"Still refused: {reference}: {reason}")
        self.stdout.write(
            f"Retried the bookings set aside: {len(result.exported):,} now in the warehouse, "
            f"{len(result.refused):,} still refused."
        )

    def _loop(self) -> None:
        should_stop = stop_on_signals()
        self.stdout.write(f"Exporting every {settings.EXPORT_INTERVAL} s until stopped.")
        self.stdout.flush()
        runs = bookings_export_loop(interval=settings.EXPORT_INTERVAL, should_stop=should_stop)
        self.stdout.write(f"Stopped after {runs:,} exports.")
