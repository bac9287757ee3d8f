"""Redis memory per booking: books N people through the real booking script into an empty
Redis database, then divides the memory Redis reports by N.

    .venv/bin/python -m bench.memory_per_booking [--count 100000] [--db 9]

Uses the server of REDIS_URL (the private Redis of `make run` by default), database --db, which it
empties before and after.
"""

import argparse
import datetime
import os
import time
from typing import Any

import django

from devstack.environment import with_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", type=int, default=9)
    options = parser.parse_args()
    # The server (and password) of REDIS_URL, on a database of its own.
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6391/0")
    os.environ["REDIS_URL"] = with_database(redis_url, str(options.db))
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vaksin.settings")
    django.setup()

    from devstack.people import booking_request
    from vaksin import store
    from vaksin.doses import automatic_second_date, second_dose_dates
    from vaksin.store import bookings, outbox, slots
    from vaksin.store.bookings import BookingArgs

    client = store.client()
    client.flushdb()
    first = datetime.date.today() + datetime.timedelta(days=1)
    day = first.isoformat()
    # Every booking holds both doses, as in production.
    second_dates = second_dose_dates(day)
    second = (automatic_second_date(first) or first).isoformat() if second_dates else ""
    centres = ["WTCKL", "UM", "UKM", "IDCC", "BCCK", "IKBNM", "SPICE", "PJICC"]
    for centre in centres:
        slots.put_centre(centre, slots.PublishedCentre("x", "MY-14", "09:00", "17:00"))
        slots.set_capacity(location=centre, date=day, capacity=options.count)
        if second:
            slots.set_capacity(location=centre, date=second, capacity=options.count, dose=2)
    before = int(client.info("memory")["used_memory"])
    started = time.monotonic()
    for i in range(options.count):
        request = booking_request(i, location=centres[i % len(centres)], date=day)
        outcome = bookings.book(BookingArgs(**vars(request), second_dates=second_dates))
        assert outcome.outcome == "booked", outcome
    elapsed = time.monotonic() - started
    booked = measure(client, before, options.count)
    # What a booking keeps once its confirmation went out: the SMS's send record.
    for number in range(1, options.count + 1):
        now = time.time()
        outbox.confirmation_record_sent(
            [outbox.SentRecord(number, "sms", int(now * 1000), booked_at=int(now))]
        )
    confirmed = measure(client, before, options.count)
    client.flushdb()
    print(f"{options.count:,} bookings in {elapsed:.1f} s ({options.count / elapsed:,.0f}/s)")
    for label, (usage, delta) in (("booked", booked), ("booked and confirmed", confirmed)):
        print(f"{label}: {usage:.0f} bytes per booking by MEMORY USAGE of every key, "
              f"{delta:.0f} by INFO used_memory")  # fmt: skip


def measure(client: Any, before: int, count: int) -> tuple[float, float]:
    """Bytes per booking: MEMORY USAGE summed over every key, and the used_memory delta."""
    after = int(client.info("memory")["used_memory"])
    keys_total = sum(int(client.memory_usage(key) or 0) for key in client.scan_iter(count=1000))
    return keys_total / count, (after - before) / count


if __name__ == "__main__":
    main()
