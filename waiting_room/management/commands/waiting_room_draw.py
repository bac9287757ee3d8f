from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vaksin.store import StoreError
from vaksin.store.queue import queue_seed
from waiting_room.draw import drawn_order
from waiting_room.services import NoWaitingRoom, queue_reading, room_opening
from waiting_room.verify import draw_verify


class Command(BaseCommand):
    help = (
        "The waiting room's draw: prints its commitment, and from the opening its seed and how "
        "many tickets it ordered. --verify recomputes the place of every ticket from the "
        "revealed seed and exits 1 if any differs from the place the queue used. --order "
        "prints the drawn tickets in their order, one per line. Read-only; safe at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Recompute every place from the seed; exit 1 on any difference.",
        )
        parser.add_argument(
            "--order",
            action="store_true",
            help="Print the tickets taken before the opening in the draw's order.",
        )

    def handle(self, *args: Any, verify: bool, order: bool, **options: Any) -> None:
        try:
            opening = room_opening()
        except NoWaitingRoom:
            raise CommandError("No waiting room is configured (WAITING_ROOM_OPENS_AT).") from None
        try:
            reading = queue_reading()
            seed = queue_seed() if timezone.now() >= opening else None
        except StoreError as error:
            raise CommandError(f"Redis cannot be reached: {error}") from None
        if (verify or order) and seed is None:
            at = timezone.localtime(opening)
            raise CommandError(
                f"The seed is revealed at the opening ({at:%Y-%m-%d %H:%M}); nothing can be "
                "checked before."
            )
        if order and seed is not None and reading.drawn is not None:
            for ticket in drawn_order(seed, reading.drawn):
                self.stdout.write(str(ticket))
            return
        self.stdout.write(f"commitment {reading.commitment}")
        self.stdout.write(f"seed {seed or '(secret until the opening)'}")
        drawn = "-" if reading.drawn is None else f"{reading.drawn:,}"
        self.stdout.write(
            f"tickets {reading.issued:,}, drawn {drawn}, admitted through {reading.through:,}"
        )
        if not verify or seed is None:
            return
        check = draw_verify(seed=seed, reading=reading)
        for problem in check.problems:
            self.stderr.write(problem)
        summary = f"{check.checked:,} of {check.tickets:,} tickets checked against the draw"
        if not check.ok:
            raise CommandError(f"{summary}: {len(check.problems)} differences.")
        self.stdout.write(f"{summary}: every place is the one the seed gives.")
