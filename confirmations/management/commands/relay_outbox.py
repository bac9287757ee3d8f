import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from confirmations.relay import RelayCounts, relay_run
from vaksin.stopping import stop_on_signals


class Command(BaseCommand):
    help = (
        "Relays new bookings from the Redis booking log to the confirmations queue, in batches, "
        "and sends the one-time codes from the code outbox, until stopped (SIGTERM or Ctrl-C). "
        "Safe to kill at any moment and to restart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--consumer",
            default=socket.gethostname(),
            help="This relay's name in the consumer group; give each relay its own.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=500,
            help="Log entries read at a time (each job carries up to CONFIRMATION_BATCH_SIZE).",
        )
        parser.add_argument(
            "--block-ms", type=int, default=1000, help="How long to wait for new entries."
        )
        parser.add_argument(
            "--codes-only",
            action="store_true",
            help="Send the one-time codes only, and leave the booking log to other relays.",
        )

    def handle(
        self,
        *args: Any,
        consumer: str,
        batch: int,
        block_ms: int,
        codes_only: bool,
        **options: Any,
    ) -> None:
        should_stop = stop_on_signals()
        what = (
            "Sending one-time codes"
            if codes_only
            else ("Relaying bookings to the confirmations queue and sending one-time codes")
        )
        self.stdout.write(f"{what} as {consumer!r}.")
        self.stdout.flush()
        reported = [0]

        def report(counts: RelayCounts) -> None:
            if counts.enqueued - reported[0] >= 10_000:
                reported[0] = counts.enqueued
                self.stdout.write(f"{counts.enqueued:,} confirmations enqueued so far.")
                self.stdout.flush()

        counts = relay_run(
            consumer=consumer,
            batch=batch,
            block_ms=block_ms,
            should_stop=should_stop,
            on_batch=report,
            send_codes=True,
            relay_bookings=not codes_only,
        )
        self.stdout.write(
            f"Stopped: relayed {counts.entries:,} log entries, enqueued {counts.enqueued:,} "
            "confirmations."
        )
