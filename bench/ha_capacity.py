"""Figures for the capacity plan of docs/deploy.md, measured on the HA stack of devstack/ha.py.

    .venv/bin/python -m bench.ha_capacity        (beside `make services`, for PostgreSQL)

1. POST /api/bookings through nginx to two web nodes, with REDIS_MIN_REPLICAS=1 (WAIT) and
   with 0, and the CPU the web nodes spent per booking.
2. What one Redis primary takes: the booking script itself (captured from a real booking, a
   new person each call) from redis-benchmark at rising concurrency, appendfsync always, two
   replicas attached; and the same with appendfsync everysec, to show what fsync costs.

Prints a table; nothing is asserted: timings belong in the bench, never in tests.
"""

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu import seconds_by_kind
from devstack.environment import services_database_url
from devstack.ha import HaStack
from devstack.ha_config import OPERATOR_USER, Ports

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("HA_BENCH_SECONDS", "10"))
SECRETS = {
    "DJANGO_SECRET_KEY": "bench-only-not-secret",
    "PERSON_KEY_SECRET": "bench-only-person",
    "REFERENCE_SECRET": "bench-only-reference",
}


def setup_django() -> None:
    os.environ.update(SECRETS)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "vaksin.settings",
            "VAKSIN_LOCAL_ENV": "",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": os.environ.get("DATABASE_URL") or services_database_url("vaksin"),
        }
    )
    import django

    django.setup()


def booking_command(stack: HaStack, slot: str) -> list[str]:
    """The EVALSHA of one real booking, as MONITOR saw it, with the person made random."""
    monitor = subprocess.Popen(
        ["redis-cli", "--user", OPERATOR_USER, "-p", str(stack.primary_port()), "monitor"],
        env={**os.environ, "REDISCLI_AUTH": stack.password},
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    from bench.load import wrk

    wrk(
        f"{stack.edge}/api/bookings",
        "book",
        str(9 * 10**8),
        slot,
        seconds=1,
        connections=1,
        threads=1,
    )
    time.sleep(0.5)
    monitor.terminate()
    output, _ = monitor.communicate()
    line = next(line for line in output.splitlines() if '"evalsha"' in line.lower())
    words = shlex.split(line.split("]", 1)[1].strip())
    # ARGV[i] is words[2 + number of keys + i]. A new person for every call: the person's
    # hashed field (ARGV 2, and in ARGV 5 before the slot) and their ID number (ARGV 9).
    first = 2 + int(words[2])
    person = words[first + 2]
    words[first + 2] = "__rand_int__"
    words[first + 5] = words[first + 5].replace(person, "__rand_int__")
    words[first + 9] = "__rand_int__"
    return words


def redis_benchmark(stack: HaStack, command: list[str], clients: int) -> float:
    requests = max(20_000, clients * 100)
    done = subprocess.run(
        # redis-benchmark reads no REDISCLI_AUTH; the bench's password is no secret.
        ["redis-benchmark", "-p", str(stack.primary_port()), "--user", OPERATOR_USER,
         "-a", stack.password,
         "-c", str(clients),
         "-n", str(requests), "-r", "1000000000", "-q", *command],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.findall(r"([\d.]+) requests per second", done.stdout.replace(",", ""))
    if not found:
        raise RuntimeError(done.stdout + done.stderr)
    return float(found[-1])


def main() -> None:
    setup_django()
    from bench.load import wrk
    from bench.stack import BENCH_PHONE_LIMIT

    rows: list[tuple[str, str, str]] = []
    run = ROOT / "var" / "bench-ha"
    for replicas in (1, 0):
        here = run / f"min-replicas-{replicas}"
        subprocess.run(["rm", "-rf", str(here)], check=True)
        (here / "log").mkdir(parents=True)
        env = dict(os.environ) | {
            "RATE_LIMIT_PER_IP": "0",
            "RATE_LIMIT_PER_PHONE": "0",
            "RATE_LIMIT_PER_ID": "0",
            "PHONE_BOOKING_LIMIT": str(BENCH_PHONE_LIMIT),
            "METRICS_ENABLED": "1",
            "DJANGO_SECURE_COOKIES": "0",
        }
        stack = HaStack(
            run=here, ports=Ports.free(), password="bench", env=env, min_replicas=replicas
        )
        try:
            stack.start(workers=())
            stack.manage("seed_slots", "--demo", "--if-empty", "--capacity", "1000000")
            slot_list = listing_slots(stack)
            webs = {name: process.pid for name, process in stack.processes.items()
                    if name.startswith("web-")}  # fmt: skip
            cpu = sum(seconds_by_kind(webs).values())
            load = wrk(
                f"{stack.edge}/api/bookings", "book", str(10**7), *slot_list,
                seconds=SECONDS, connections=64,
            )  # fmt: skip
            cpu = sum(seconds_by_kind(webs).values()) - cpu
            booked = load.statuses.get(201, 0)
            rows.append((
                f"POST /api/bookings at nginx, 2 web nodes x 2 workers, "
                f"REDIS_MIN_REPLICAS={replicas}",
                f"{booked / load.seconds:,.0f}/s",
                f"p50 {load.p50_ms:.0f} ms, p99 {load.p99_ms:.0f} ms; statuses {load.statuses}; "
                f"web CPU {cpu / max(booked, 1) * 1e6:,.0f} µs per booking",
            ))  # fmt: skip
            if replicas:
                command = booking_command(stack, slot_list[0])
                for clients in (50, 256, 1000):
                    rows.append((
                        f"one Redis primary, the booking script, {clients} clients, "
                        "appendfsync always, 2 replicas",
                        f"{redis_benchmark(stack, command, clients):,.0f}/s", "redis-benchmark",
                    ))  # fmt: skip
                stack.node(stack.primary_port() or 0).config_set("appendfsync", "everysec")
                rows.append((
                    "the same, 256 clients, appendfsync everysec (for comparison only)",
                    f"{redis_benchmark(stack, command, 256):,.0f}/s", "redis-benchmark",
                ))  # fmt: skip
        finally:
            stack.stop()
    width = max(len(row[0]) for row in rows)
    for what, figure, note in rows:
        print(f"{what:<{width}}  {figure:>10}  {note}")
    sys.stdout.flush()


def listing_slots(stack: HaStack) -> list[str]:
    import json
    from urllib.request import urlopen

    with urlopen(f"{stack.edge}/api/availability") as answer:  # noqa: S310 (loopback)
        body = json.load(answer)
    return [
        f"{location['id']}|{slot['date']}"
        for state in body["states"]
        for location in state["locations"]
        for slot in location["slots"]
    ]


if __name__ == "__main__":
    main()
