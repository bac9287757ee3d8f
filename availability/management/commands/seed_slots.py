"""Seeds centres and slot capacities, from a CSV file or the eight real centres of May 2021.

A file's rows are first doses, each with its automatic second-dose places (availability/
services.py); a file with a `dose` column (1 or 2) says each dose's places itself."""

import csv
import datetime
from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone

from availability.services import MAX_CAPACITY, CapacityError, centre_save, slot_set_capacity
from availability.states import CODE_BY_NAME, STATES
from vaksin import store
from vaksin.progress import Progress
from vaksin.store import slots

DEMO_CENTRES = Path(__file__).resolve().parents[2] / "data" / "centres_2021.csv"
HEADER = ["state", "location_id", "location_name", "date", "capacity"]
DOSE_HEADER = [*HEADER, "dose"]


@dataclass(frozen=True)
class Row:
    state: str
    location_id: str
    location_name: str
    date: datetime.date
    capacity: int
    dose: int | None = None  # None: a first dose with its automatic second (no dose column)


def read_rows(path: Path) -> list[Row]:
    """Every row of a slots CSV; every bad row is reported at once, with its line number."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [column.strip() for column in next(reader, [])]
            if header not in (HEADER, DOSE_HEADER):
                raise CommandError(
                    f"{path}: the header must be {','.join(HEADER)} (optionally followed by "
                    f",dose), not {','.join(header)}"
                )
            lines = list(enumerate(reader, start=2))
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read it ({error})") from error
    rows, problems = [], []
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        try:
            rows.append(parse_row(cells, columns=len(header)))
        except ValueError as error:
            problems.append(f"line {line}: {error}")
    if problems:
        raise CommandError(
            f"{path}: nothing was seeded, fix these rows first:\n" + "\n".join(problems)
        )
    return rows


def parse_row(cells: list[str], *, columns: int = len(HEADER)) -> Row:
    if len(cells) != columns:
        raise ValueError(f"expected {columns} columns, found {len(cells)}")
    state, location_id, location_name, date, capacity, *rest = (cell.strip() for cell in cells)
    dose = None
    if rest:
        if rest[0] not in ("1", "2"):
            raise ValueError(f"dose {rest[0]!r} must be 1 (first doses) or 2 (second doses)")
        dose = int(rest[0])
    if state not in STATES:
        raise ValueError(f"state {state!r} is not a code from MY-01 to MY-16")
    if not location_id.isascii() or not location_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"location_id {location_id!r} must be letters, digits, - or _")
    if not location_name:
        raise ValueError("location_name is empty")
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"date {date!r} is not YYYY-MM-DD") from None
    if not (capacity.isascii() and capacity.isdigit()) or int(capacity) > MAX_CAPACITY:
        raise ValueError(f"capacity {capacity!r} is not a whole number from 0 to {MAX_CAPACITY:,}")
    return Row(state, location_id.upper(), location_name, day, int(capacity), dose)


def demo_rows(*, days: int, capacity: int, first: datetime.date) -> list[Row]:
    with DEMO_CENTRES.open(newline="", encoding="utf-8") as handle:
        centres = list(csv.DictReader(handle))
    return [
        Row(
            CODE_BY_NAME[centre["state"]],
            centre["ppv_code"],
            centre["ppv_name"],
            first + datetime.timedelta(days=n),
            capacity,
        )
        for centre in centres
        for n in range(days)
    ]


class Command(BaseCommand):
    help = (
        "Seeds vaccination centres and slot capacities. Safe to re-run: a changed capacity keeps "
        "the places already booked, and a capacity below them is refused."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--file",
            type=Path,
            help="CSV: state,location_id,location_name,date,capacity[,dose]",
        )
        source.add_argument(
            "--demo", action="store_true", help="the eight real centres of May 2021"
        )
        parser.add_argument("--days", type=int, default=14, help="--demo: days from tomorrow (14)")
        parser.add_argument(
            "--capacity", type=int, default=1000, help="--demo: places per day (1000)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any slot exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 or not 0 <= options["capacity"] <= MAX_CAPACITY:
            raise CommandError(
                f"--days must be 1 or more and --capacity from 0 to {MAX_CAPACITY:,}."
            )
        try:
            if options["if_empty"] and slots.read_slots().capacity:
                self.stdout.write("Slots already exist: nothing seeded.")
                return
            if options["demo"]:
                first = timezone.localdate() + datetime.timedelta(days=1)
                rows = demo_rows(days=options["days"], capacity=options["capacity"], first=first)
            else:
                rows = read_rows(options["file"])
            self.seed(rows)
        except store.StoreError as error:
            raise CommandError(f"Redis is not reachable at REDIS_URL: {error}") from error
        except (OperationalError, InterfaceError) as error:
            # Seeding again is safe: whatever was seeded before this stays as it is.
            raise CommandError(
                f"PostgreSQL is not reachable at DATABASE_URL ({str(error).splitlines()[0]}). "
                "Run seed_slots again once it is back: it is safe to repeat."
            ) from error

    def seed(self, rows: list[Row]) -> None:
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        refused: list[str] = []
        centres = {}
        progress = Progress("Seeding", len(rows))
        for row in rows:
            if row.location_id not in centres:
                centres[row.location_id] = centre_save(
                    centre_id=row.location_id, name=row.location_name, state=row.state
                )
            try:
                change = slot_set_capacity(
                    location=row.location_id,
                    date=row.date,
                    capacity=row.capacity,
                    dose=row.dose or 1,
                    automatic_second=row.dose is None,
                )
            except CapacityError as error:
                refused.append(str(error))
            else:
                kind = (
                    "new"
                    if change.previous is None
                    else "unchanged"
                    if change.previous == change.capacity
                    else "changed"
                )
                counts[kind] += 1
            progress.advance()
        progress.finish()
        for reason in refused:
            self.stderr.write(f"Refused: {reason}")
        self.stdout.write(
            f"Seeded {len(rows)} slots at {len(centres)} centres: {counts['new']} new, "
            f"{counts['changed']} changed, {counts['unchanged']} unchanged, {len(refused)} refused."
        )
        if refused:
            raise CommandError(f"{len(refused)} capacity changes were refused; see above.")
