"""The booking script with two doses against one dose: the same bookings by distinct people,
through the real book.lua, in turn two, one, one, two, on a Redis database of its own.

A two-dose booking reads the second-dose dates of its range until one has a place and writes
one more counter and two more fields; the target is that it costs at most a quarter more
(>= 0.8 x one dose's bookings per second of script time). Each run shows Redis's own time in
the script per booking (INFO commandstats) and the rate one client pipelining reached.
"""

import datetime
import time
from dataclasses import dataclass
from typing import Any

import redis

from bench.report import Figures

DB = 9
COUNT = 20_000
BATCH = 250
TWO_VS_ONE = 0.8
CENTRES = ["WTCKL", "UM", "UKM", "IDCC", "BCCK", "IKBNM", "SPICE", "PJICC"]


@dataclass(frozen=True)
class DoseRun:
    design: str
    per_second: float
    script_us: float  # Redis's time in the script per booking, microseconds

    def describe(self) -> str:
        return f"{self.design} {self.script_us:.1f} µs ({self.per_second:,.0f}/s)"


def _script_time(client: redis.Redis) -> tuple[int, int]:
    """Redis's own count of script calls (EVALSHA) and the microseconds spent in them."""
    found = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(found.get("calls", 0)), int(found.get("usec", 0))


def _seed(client: redis.Redis, day: datetime.date, *, places: int) -> tuple[str, ...]:
    """Every centre with `places` first doses on `day` and second doses on its automatic
    second-dose date; returns the second dose's range for `day`."""
    from vaksin.doses import automatic_second_date, second_dose_dates
    from vaksin.store import keys
    from vaksin.store.slots import PublishedCentre

    second = automatic_second_date(day)
    for centre in CENTRES:
        client.hset(
            keys.CENTRES, centre, PublishedCentre(centre, "MY-14", "09:00", "17:00").as_json()
        )
        client.hset(keys.CAPACITY, keys.slot_field(centre, day.isoformat()), places)
        if second:
            client.hset(keys.CAPACITY2, keys.slot_field(centre, second.isoformat()), places)
    return second_dose_dates(day.isoformat())


def _run(
    client: redis.Redis, script: Any, design: str, *, day: str, first: int, dates: tuple[str, ...]
) -> DoseRun:
    from devstack.people import booking_request
    from vaksin.store.bookings import BookingArgs

    bookings = [
        BookingArgs(
            **vars(booking_request(first + i, location=CENTRES[i % len(CENTRES)], date=day)),
            second_dates=dates if design == "two doses" else (),
        ).to_script()
        for i in range(COUNT)
    ]
    (calls_before, usec_before), started = _script_time(client), time.perf_counter()
    booked = 0
    for start in range(0, COUNT, BATCH):
        pipe = client.pipeline(transaction=False)
        for script_keys, script_args in bookings[start : start + BATCH]:
            script(keys=script_keys, args=script_args, client=pipe)
        booked += sum(reply[0] == "booked" for reply in pipe.execute())
    elapsed = time.perf_counter() - started
    calls, usec = _script_time(client)
    if booked != COUNT:
        raise RuntimeError(f"{design}: {booked} of {COUNT} booked")
    # The counts are the server's: `make bench` runs this once its stack has stopped, so no
    # other client's scripts are in them.
    return DoseRun(design, COUNT / elapsed, (usec - usec_before) / max(calls - calls_before, 1))


def run_doses(figures: Figures, *, redis_url: str, db: int = DB) -> None:
    """Adds the row: two doses against one, in turn A B B A, each run's figures shown."""
    from devstack.environment import with_database
    from vaksin.store.connection import script_source

    client = redis.Redis.from_url(with_database(redis_url, str(db)), decode_responses=True)
    client.flushdb()
    try:
        script = client.register_script(script_source("registration/book"))
        day = datetime.date.today() + datetime.timedelta(days=1)
        dates = _seed(client, day, places=6 * COUNT)
        if not dates:
            figures.add(
                "Booking script, two doses / one dose",
                "not measured",
                "DOSE_INTERVAL_DAYS=0: this deployment books one dose",
            )
            return
        # A first run of each, not counted: the script loaded, Redis's hashes grown.
        designs = ["two doses", "one dose", "two doses", "one dose", "one dose", "two doses"]
        runs = [
            _run(client, script, design, day=day.isoformat(), first=n * COUNT, dates=dates)
            for n, design in enumerate(designs)
        ][2:]
    finally:
        client.flushdb()
    two = [run.script_us for run in runs if run.design == "two doses"]
    one = [run.script_us for run in runs if run.design == "one dose"]
    # The script's own time is what two doses change; the rate of one pipelining client also
    # carries that client's and the network's time, shown for each run.
    ratio = round(sum(one) / sum(two), 2)
    figures.target(
        "Booking script, two doses / one dose (bookings per second of script time)",
        f"{ratio:.2f} x",
        met=ratio >= TWO_VS_ONE,
        target=f">= {TWO_VS_ONE} x",
        note=f"{COUNT:,} distinct people a run, pipelined {BATCH} at a time, in turn A B B A, "
        "Redis's time in the script per booking (INFO commandstats): "
        + "; ".join(run.describe() for run in runs),
    )
