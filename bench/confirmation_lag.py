"""Confirmation lag: from a booking acknowledged to its SMS recorded as sent, at a steady rate.

Starts a real relay (`manage.py relay_outbox`) and N real RQ workers (`manage.py rqworker
confirmations`) on a separate Redis database, books at a fixed rate through booking_create (the
same service the web request calls), then reads each booking's send record and prints the lag
percentiles, and counts the lines of the SMS file per booking: every booking must have exactly
one. The SMS backend is the file backend, so the gateway costs nothing here: this is the lag
the pipeline itself adds. The load generator runs on the same cores as Redis, the relay and
the workers, and says which rate it reached.

    .venv/bin/python bench/confirmation_lag.py --rate 1000 --seconds 20 --workers 2

Loopback only; cleans up its Redis database afterwards.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from devstack.environment import with_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500, help="Bookings per second.")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=6)
    options = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6391/0")
    os.environ["REDIS_URL"] = with_database(redis_url, str(options.redis_db))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vaksin.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["RATE_LIMIT_PER_IP"] = "0"
    os.environ["RATE_LIMIT_PER_PHONE"] = "0"
    work = Path(tempfile.mkdtemp(prefix="vaksin-lag-"))
    os.environ["SMS_FILE_PATH"] = str(work / "sms.log")
    os.environ["EMAIL_FILE_PATH"] = str(work / "mail")

    import django

    django.setup()
    from bench.confirmations import percentile
    from devstack.people import booking_request
    from registration.services import booking_create
    from vaksin import store
    from vaksin.doses import automatic_second_date
    from vaksin.store import slots

    client = store.client()
    client.flushdb()
    total = options.rate * options.seconds
    dates = [f"2031-01-{day:02d}" for day in range(1, 29)]
    slots.put_centre("BENCH", slots.PublishedCentre("Bench Centre", "MY-14", "09:00", "17:00"))
    for date in dates:
        slots.set_capacity(location="BENCH", date=date, capacity=total)
        second = automatic_second_date(datetime.date.fromisoformat(date))
        if second:
            slots.set_capacity(location="BENCH", date=second.isoformat(), capacity=total, dose=2)

    processes = [_start(["relay_outbox", "--consumer", "bench"], work, "relay")]
    processes += [
        _start(["rqworker", "confirmations", "--with-scheduler", "-v", "0"], work, f"worker-{n}")
        for n in range(options.workers)
    ]
    try:
        # Warm up: the clock starts once a first booking has gone all the way through, so the
        # start-up of the processes is not counted as lag.
        warm = total
        booking_create(request=booking_request(warm, location="BENCH", date=dates[0]))
        _wait_for_sends({1: time.time() * 1000}, deadline=time.monotonic() + 60)
        booked: dict[int, float] = {}
        started = time.perf_counter()
        for i in range(total):
            # A fixed schedule: booking i is due at i / rate seconds, whatever came before.
            delay = started + i / options.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            request = booking_request(i, location="BENCH", date=dates[i % len(dates)])
            confirmation = booking_create(request=request)
            booked[i + 2] = time.time() * 1000
            assert confirmation.created
        achieved = total / (time.perf_counter() - started)
        lags = _wait_for_sends(booked, deadline=time.monotonic() + 120)
        time.sleep(1)  # the last job's bookkeeping
        jobs = _jobs_run()
        lines = Counter(
            json.loads(line)["id"] for line in (work / "sms.log").read_text().splitlines()
        )
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)
        client.flushdb()
        shutil.rmtree(work, ignore_errors=True)

    lags.sort()
    print(
        f"{total:,} bookings at {achieved:,.0f}/s (asked {options.rate}/s), relay + "
        f"{options.workers} RQ workers, file SMS backend"
    )
    print(f"sent: {len(lags):,} of {total:,} recorded; {jobs:,} confirmation jobs ran")
    twice = sum(1 for count in lines.values() if count > 1)
    # The warm-up booking is in the file too.
    verdict = "yes" if len(lines) == total + 1 and not twice else "NO"
    print(
        f"every booking exactly one SMS: {verdict} ({len(lines) - 1:,} bookings with an SMS, "
        f"{twice:,} with more than one)"
    )
    if lags:
        print(
            f"lag booking -> recorded send: p50 {percentile(lags, 50):,.0f} ms, "
            f"p99 {percentile(lags, 99):,.0f} ms, max {lags[-1]:,.0f} ms, "
            f"mean {statistics.mean(lags):,.0f} ms"
        )


def _start(args: list[str], work: Path, name: str) -> subprocess.Popen[bytes]:
    log = (work / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for_sends(booked: dict[int, float], *, deadline: float) -> list[float]:
    from vaksin import store
    from vaksin.store import keys

    client = store.client()
    sent: dict[int, float] = {}
    while len(sent) < len(booked) and time.monotonic() < deadline:
        pipe = client.pipeline(transaction=False)
        missing = [n for n in booked if n not in sent]
        for number in missing:
            pipe.hget(keys.sent_key(number), keys.sent_field(number, "sms"))
        for number, at in zip(missing, pipe.execute(), strict=True):
            if at:
                sent[number] = float(at)
        time.sleep(0.2)
    return [sent[n] - booked[n] for n in sent]


def _jobs_run() -> int:
    import django_rq

    from confirmations.relay import QUEUE

    queue = django_rq.get_queue(QUEUE)
    return int(queue.finished_job_registry.count + queue.failed_job_registry.count)


if __name__ == "__main__":
    main()
