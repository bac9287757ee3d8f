import os
import secrets
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vaksin.store import StoreError
from vaksin.store.queue import queue_commit, queue_log, queue_reveal, queue_seed, seed_commitment
from waiting_room.draw import chain, draw_key, drawn_order
from waiting_room.services import NoWaitingRoom, queue_reading, room_opening
from waiting_room.verify import DrawCheck, draw_verify


class Command(BaseCommand):
    help = (
        "The waiting room's draw and its log of tickets. Without options: the commitment, the "
        "log's head and counts, and the seed once revealed. --commit (before the opening) makes "
        "a seed, writes it to --seed-file only (never to Redis) and publishes its SHA-256. "
        "--reveal (from the opening) stores the seed of --seed-file or --seed once its SHA-256 "
        "is the commitment; --wait first sleeps until the opening. --verify recomputes the log's "
        "chain, every phone's ticket against the log and every place from the seed, and exits 1 "
        "on any difference; --head H (repeatable) also checks that a head published earlier is "
        "in the chain. --order prints the drawn tickets in their order; --log prints the log "
        "(ticket, holder, ms, head), tab-separated, for anyone to recompute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true", help="Make and commit to a seed.")
        parser.add_argument(
            "--late",
            action="store_true",
            help="With --commit: after the opening (a forgotten commitment; proves nothing).",
        )
        parser.add_argument("--reveal", action="store_true", help="Reveal the committed seed.")
        parser.add_argument("--wait", action="store_true", help="With --reveal: until the opening.")
        parser.add_argument("--seed-file", type=Path, help="Where the seed is kept (0600).")
        parser.add_argument("--seed", help="With --reveal: the seed itself.")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Recompute the log, the tickets and every place; exit 1 on any difference.",
        )
        parser.add_argument(
            "--head", action="append", default=[], help="A head published before (--verify)."
        )
        parser.add_argument(
            "--order",
            action="store_true",
            help="Print the tickets taken before the opening in the draw's order.",
        )
        parser.add_argument("--log", action="store_true", help="Print the log of tickets.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            opening = room_opening()
        except NoWaitingRoom:
            raise CommandError("No waiting room is configured (WAITING_ROOM_OPENS_AT).") from None
        try:
            if options["commit"]:
                return self.commit(options["seed_file"], late=options["late"])
            if options["reveal"]:
                return self.reveal(options, opening)
            if options["log"]:
                return self.print_log()
            return self.report(options, opening)
        except StoreError as error:
            raise CommandError(f"Redis cannot be reached: {error}") from None

    def commit(self, seed_file: Path | None, *, late: bool) -> None:
        if seed_file is None:
            raise CommandError("--commit needs --seed-file: the seed is kept there, not in Redis.")
        if timezone.now() >= room_opening() and not late:
            raise CommandError(
                "The opening has passed: a commitment now proves nothing (whoever makes it knows "
                "the log's head). Only to let a room with a forgotten commitment move: --late."
            )
        seed = secrets.token_hex(32)
        try:
            # Created for its owner alone, and never over an earlier seed.
            descriptor = os.open(seed_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{seed_file} exists: a seed is never overwritten.") from None
        with os.fdopen(descriptor, "w") as file:
            file.write(seed + "\n")
        if not queue_commit(seed_commitment(seed)):
            seed_file.unlink()
            raise CommandError("The room already has a commitment; it is never replaced.")
        self.stdout.write(f"commitment {seed_commitment(seed)}")
        self.stdout.write(
            f"The seed is in {seed_file} only: keep it away from the web nodes and Redis, and "
            "reveal it at the opening with --reveal."
        )

    def reveal(self, options: dict[str, Any], opening: Any) -> None:
        seed = options["seed"]
        if seed is None and options["seed_file"] is not None:
            seed = options["seed_file"].read_text().strip()
        if not seed:
            raise CommandError("--reveal needs --seed-file or --seed.")
        if options["wait"]:
            time.sleep(max((opening - timezone.now()).total_seconds(), 0) + 0.05)
        if timezone.now() < opening:
            at = timezone.localtime(opening)
            raise CommandError(f"The seed is revealed at the opening ({at:%Y-%m-%d %H:%M}).")
        queue_reading()  # a step after the opening: the draw's tickets and head are frozen
        if not queue_reveal(seed):
            raise CommandError("That seed's SHA-256 is not the commitment published before.")
        self.stdout.write(f"seed {seed} revealed; the draw's places are given from now.")

    def print_log(self) -> None:
        entries = list(queue_log())
        heads = chain((e.ticket, e.holder, e.at_ms) for e in entries)
        for entry, head in zip(entries, heads, strict=True):
            self.stdout.write(f"{entry.ticket}\t{entry.holder}\t{entry.at_ms}\t{head}")

    def report(self, options: dict[str, Any], opening: Any) -> None:
        reading = queue_reading()
        seed = queue_seed() if timezone.now() >= opening else None
        if (options["verify"] or options["order"]) and seed is None:
            at = timezone.localtime(opening)
            raise CommandError(
                f"The seed is revealed at the opening ({at:%Y-%m-%d %H:%M}) by operators "
                "(--reveal); nothing can be checked before."
            )
        if options["order"] and seed is not None and reading.drawn is not None:
            for ticket in drawn_order(draw_key(seed, reading.drawn_head), reading.drawn):
                self.stdout.write(str(ticket))
            return
        self.stdout.write(f"commitment {reading.commitment or '(none yet: --commit)'}")
        self.stdout.write(f"seed {seed or '(not revealed)'}")
        self.stdout.write(f"log head {reading.head}")
        drawn = "-" if reading.drawn is None else f"{reading.drawn:,}"
        self.stdout.write(
            f"tickets {reading.issued:,}, drawn {drawn}, admitted through {reading.through:,}"
        )
        if not options["verify"] or seed is None:
            return
        check = draw_verify(seed=seed, reading=reading, heads=options["head"])
        for problem in check.problems:
            self.stderr.write(problem)
        for line in counts_explained(check):
            self.stdout.write(line)
        summary = (
            f"{check.logged:,} tickets in the log, {check.checked:,} of {check.tickets:,} "
            "places checked against the draw"
        )
        if not check.ok:
            raise CommandError(f"{summary}: {len(check.problems)} differences.")
        self.stdout.write(f"{summary}: the log chains, every ticket and place is as it gives.")


def counts_explained(check: DrawCheck) -> list[str]:
    """Why fewer places are checked than tickets logged: "2 of 52" alone reads as a check that
    skipped 50."""
    lines = []
    superseded = check.logged - check.tickets
    if superseded > 0:
        lines.append(
            f"{superseded:,} of the {check.logged:,} tickets in the log are no longer held: "
            "their phones took a new ticket once their turn was over (a phone holds only its "
            "latest), so the places checked are those of the "
            f"{check.tickets:,} tickets phones hold."
        )
    unplaced = check.tickets - check.checked
    if unplaced > 0:
        lines.append(
            f"Why {check.checked:,} of {check.tickets:,}: a ticket's place is given when its "
            "phone is next seen after the opening (the waiting page or POST /api/queue), by the "
            "draw for a ticket taken before it. "
            f"{unplaced:,} ticket{'s have' if unplaced != 1 else ' has'} not been seen since "
            "and hold no place yet, so there is nothing of theirs to check; run --verify again "
            "once they have come back."
        )
    return lines
