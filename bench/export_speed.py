"""Export speed: `export_bookings` timed cold against a raw COPY of the same rows into the same
table, in one run, as `make bench` judges it (bench/run.py check_export), on as many bookings as
asked and without the rest of the stack.

Writes N bookings (and 1% cancellations) straight into the booking log
of a separate Redis database with pipelines, exports them into a separate PostgreSQL database
through `export_bookings`, then COPYs the very same rows into the emptied warehouse table (in a
transaction rolled back), and prints the rates and their ratio. --profile prints where the
export's own CPU goes. Cleans up both databases afterwards unless --keep.

    .venv/bin/python -m bench.export_speed --count 400000 --redis-db 2

Loopback only. Uses REDIS_URL's server with database --redis-db (default 2, emptied) and
DATABASE_URL's server with the database --database (default vaksin_bench_export).
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from io import StringIO
from pathlib import Path

from devstack.environment import services_database_url, with_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400_000)
    parser.add_argument("--redis-db", type=int, default=2)
    parser.add_argument("--database", default="vaksin_bench_export")
    parser.add_argument("--rounds", type=int, default=2, help="export and COPY, in turn (2)")
    parser.add_argument("--profile", action="store_true", help="Profile the (last) export.")
    parser.add_argument(
        "--second-doses", action="store_true", help="Every other booking holds a second dose."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the bench data afterwards.")
    options = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6391/0")
    database_url = os.environ.get("DATABASE_URL") or services_database_url("vaksin")
    os.environ["REDIS_URL"] = with_database(redis_url, str(options.redis_db))
    os.environ["DATABASE_URL"] = with_database(database_url, options.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vaksin.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")

    import psycopg

    with psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [options.database]
        ).fetchone()
        if not found:
            admin.execute(f'CREATE DATABASE "{options.database}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vaksin import store

    call_command("migrate", verbosity=0)
    client = store.client()
    client.flushdb()
    try:
        generated = _generate(client, options.count, second_doses=options.second_doses)
        rounds = []
        for round_number in range(options.rounds):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE registration_booking")
                cursor.execute("DELETE FROM registration_exportwatermark")
            profile = cProfile.Profile() if options.profile else None
            started, python, postgres = time.perf_counter(), time.process_time(), _backend_cpu()
            if profile:
                profile.enable()
            call_command("export_bookings", stdout=StringIO(), stderr=StringIO())
            if profile:
                profile.disable()
            export_seconds = time.perf_counter() - started
            python, postgres = time.process_time() - python, _backend_cpu() - postgres
            before = _backend_cpu()
            copied, copy_seconds = raw_copy_seconds()
            copy_cpu = _backend_cpu() - before
            rounds.append((export_seconds, copied, copy_seconds))
            print(
                f"round {round_number + 1}: export {export_seconds:.2f} s, raw COPY of "
                f"{copied:,} rows {copy_seconds:.2f} s: {copy_seconds / export_seconds:.2f} x; "
                f"CPU per row: export {python / copied * 1e6:.1f} us in Python and "
                f"{postgres / copied * 1e6:.1f} us in PostgreSQL, the raw COPY "
                f"{copy_cpu / copied * 1e6:.1f} us in PostgreSQL"
            )
        out = StringIO()
        call_command("export_bookings", "--verify", stdout=out, stderr=StringIO())
    finally:
        if not options.keep:
            client.flushdb()

    export_seconds = sum(r[0] for r in rounds)
    copy_seconds = sum(r[2] for r in rounds)
    rows = rounds[0][1]
    print(f"log entries: {generated:,} ({rows:,} bookings)")
    print(f"export_bookings, cold: {rows * len(rounds) / export_seconds:,.0f} rows/s")
    print(f"raw COPY of the same rows, same table: {rows * len(rounds) / copy_seconds:,.0f} rows/s")
    print(f"export / raw COPY: {copy_seconds / export_seconds:.2f} x (target >= 0.5 x)")
    print(out.getvalue().strip().splitlines()[-1])
    if options.profile and profile:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(30)
    if not options.keep:
        connection.close()
        with psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server): the
    machine is shared, and CPU is what a busy neighbour does not change."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_copy_seconds() -> tuple[int, float]:
    """A raw COPY of the booked rows of the log into the warehouse's own table, emptied first
    and restored after (TRUNCATE and COPY in a transaction rolled back): the floor the export
    is judged against, here as in `make bench` (bench/run.py check_export): the rows the export
    itself makes, so that the floor is the same rows. Returns the rows and the seconds of the
    COPY alone."""
    from django.db import connection, transaction
    from django.utils import timezone

    from vaksin.store import bookings
    from warehouse.rows import BOOKING_COLUMNS, booking_rows, copy_text

    entries = []
    after = 0
    while chunk := bookings.read_entries(after=after, count=50_000):
        entries.extend(chunk)
        after = chunk[-1][0]
    rows = booking_rows(entries, exported_at=timezone.now())
    text = copy_text(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE registration_booking")
        started = time.monotonic()
        with cursor.copy(f"COPY registration_booking ({BOOKING_COLUMNS}) FROM STDIN") as copy:
            copy.write(text)
        seconds = time.monotonic() - started
        transaction.set_rollback(True)
    return len(rows), seconds


def _generate(client, count: int, *, second_doses: bool) -> int:
    """Writes `count` bookings to the log as the booking script would (with `second_doses`,
    every other one holds a second dose), then cancels 1% of them."""
    from vaksin.store import keys

    centres = ["WTCKL", "PWTC", "IDCC", "MITEC", "SPICE", "UITM", "UKM", "MAEPS"]
    dates = ["2021-05-28", "2021-05-29", "2021-05-30", "2021-05-31"]
    booked: dict[str, int] = {}
    started = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for number in range(1, count + 1):
        location, date = centres[number % len(centres)], dates[number // 7 % len(dates)]
        slot = keys.slot_field(location, date)
        booked[slot] = booked.get(slot, 0) + 1
        second = {"date2": "2021-07-23", "window2": "10:00-10:30"}
        if not second_doses or number % 2 == 0:
            second = {}
        pipe.xadd(
            keys.BOOKINGS,
            {
                "kind": "booked",
                "id_type": "mykad",
                "id_number": f"{900101140000 + number}",
                "name": f"Orang Ujian {number}",
                "phone": f"+6012{number:07d}"[:12],
                "email": "" if number % 3 else f"person{number}@example.com",
                "location": location,
                "date": date,
                "window": "09:00-09:30",
                "lang": "ms" if number % 2 else "en",
                "at": str(1622170800 + number // 1000),
                **second,
            },
            id=keys.entry_id(number),
        )
        if number % 10_000 == 0:
            pipe.execute()
    cancels = count // 100
    for offset in range(1, cancels + 1):
        cancelled = offset * 100 - 37
        location, date = centres[cancelled % len(centres)], dates[cancelled // 7 % len(dates)]
        booked[keys.slot_field(location, date)] -= 1
        pipe.xadd(
            keys.BOOKINGS,
            {
                "kind": "cancelled",
                "booking": str(cancelled),
                "by": "bench",
                "reason": "",
                "at": "1622257200",
                "location": location,
                "date": date,
            },
            id=keys.entry_id(count + offset),
        )
        if offset % 10_000 == 0:
            pipe.execute()
    pipe.hset(keys.BOOKED, mapping=booked)
    pipe.execute()
    print(f"generated {count + cancels:,} log entries in {time.perf_counter() - started:.1f} s")
    return count + cancels


if __name__ == "__main__":
    main()
