"""Export speed: `export_bookings` against a raw COPY of the same rows, in one run.

Writes N bookings (and 1% cancellations) straight into the booking log of a separate Redis
database with pipelines, exports them into a separate PostgreSQL database through the real
export service, then COPYs the very same rows into a bare table with no index, and prints the
rates and their ratio. Cleans up both databases afterwards unless --keep.

    .venv/bin/python bench/export_speed.py --count 1000000

Loopback only. Uses REDIS_URL's server with database --redis-db (default 2) and DATABASE_URL's
server with a database named vaksin_bench_export.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from devstack.environment import services_database_url, with_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "vaksin_bench_export"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--redis-db", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="Keep the bench data afterwards.")
    options = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6391/0")
    database_url = os.environ.get("DATABASE_URL") or services_database_url("vaksin")
    os.environ["REDIS_URL"] = with_database(redis_url, str(options.redis_db))
    os.environ["DATABASE_URL"] = with_database(database_url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vaksin.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")

    import psycopg

    with psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            admin.execute(f"CREATE DATABASE {BENCH_DB}")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vaksin import store
    from vaksin.store import bookings
    from warehouse.export import bookings_export, bookings_verify
    from warehouse.rows import BOOKING_COLUMNS, copy_text

    call_command("migrate", verbosity=0)
    client = store.client()
    client.flushdb()
    try:
        generated = _generate(client, options.count)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE registration_booking")
            cursor.execute("DELETE FROM registration_exportwatermark")

        started = time.perf_counter()
        summary = bookings_export()
        export_seconds = time.perf_counter() - started

        # The same rows, read the same way, COPYed into a bare table: the floor for the export.
        started = time.perf_counter()
        entries = []
        after = 0
        while chunk := bookings.read_entries(after=after, count=50_000):
            entries.extend(chunk)
            after = chunk[-1][0]
        read_seconds = time.perf_counter() - started
        text = copy_text(entries)
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS bench_raw_copy; CREATE TABLE bench_raw_copy "
                "(number bigint, reference text, id_type text, id_number text, name text, "
                "phone text, email text, location_id text, date date, arrival_window text, "
                "lang text, at bigint)"
            )
            started = time.perf_counter()
            with cursor.copy(f"COPY bench_raw_copy ({BOOKING_COLUMNS}) FROM STDIN") as copy:
                copy.write(text)
            copy_seconds = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_raw_copy")
            # And into a copy of the warehouse table with its unique keys and indexes.
            cursor.execute(
                "DROP TABLE IF EXISTS bench_indexed_copy; CREATE TABLE bench_indexed_copy "
                "(LIKE registration_booking INCLUDING ALL)"
            )
            indexed = "\n".join(
                line.rsplit("\t", 1)[0] + "\t2021-05-28 00:00+00\t2021-05-28 00:00+00"
                for line in text.splitlines()
            )
            started = time.perf_counter()
            with cursor.copy(
                "COPY bench_indexed_copy (number, reference, id_type, id_number, name, phone, "
                "email, location_id, date, arrival_window, lang, booked_at, exported_at) "
                "FROM STDIN"
            ) as copy:
                copy.write(indexed + "\n")
            indexed_seconds = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_indexed_copy")
        report = bookings_verify()
    finally:
        if not options.keep:
            client.flushdb()

    rows = summary.exported
    print(
        f"log entries: {generated:,} ({summary.exported:,} bookings, "
        f"{summary.cancellations:,} cancellations)"
    )
    print(
        f"export_bookings: {export_seconds:.1f} s, {rows / export_seconds:,.0f} rows/s "
        "(Redis read, COPY to temp, INSERT ON CONFLICT with unique indexes, cancellations)"
    )
    print(
        f"raw COPY of the same rows: {copy_seconds:.1f} s, {rows / copy_seconds:,.0f} rows/s "
        "(bare table, no index)"
    )
    print(
        f"raw COPY into a copy of the warehouse table (same indexes): {indexed_seconds:.1f} s, "
        f"{rows / indexed_seconds:,.0f} rows/s"
    )
    print(
        f"reading the log alone: {read_seconds:.1f} s, {len(entries) / read_seconds:,.0f} entries/s"
    )
    print(f"export / raw COPY: {copy_seconds / export_seconds:.2f} of the raw rate")
    print(f"verify: {'OK' if not report.differences else report.differences[:3]}")
    if not options.keep:
        connection.close()
        with psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _generate(client, count: int) -> int:
    """Writes `count` bookings to the log as the booking script would, then cancels 1% of them."""
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
