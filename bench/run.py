"""`make bench`: the noon rush on this machine, every figure beside its rival from the same run.

Starts the real stack on loopback (private Redis with fsync always, PostgreSQL, gunicorn, the
Procfile's workers and an nginx edge), drives it with wrk for a bounded time per scenario,
checks the invariants afterwards, prints a table and rewrites BENCHMARKS.md.

    .venv/bin/python -m bench.run [--seconds 10] [--skip-replay]
"""

import argparse
import datetime
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import django

from bench.confirmations import LagProbe, percentile, sms_per_booking, wait_until_relayed
from bench.load import LoadResult, wrk
from bench.stack import ROOT, RUN, Stack, environment, prepare_database, running_stack

# Small enough that every design sells out within a scenario, so false answers can show.
HOT_CAPACITY = 2_000
# wrk's pauses do not count the answer's own time, so ask a little over 1,000/s to get it.
STEADY_RATE = 1_080
SPREAD_DAYS = 14


@dataclass
class Figures:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (what, figure, note)
    problems: list[str] = field(default_factory=list)

    def add(self, what: str, figure: str, note: str = "") -> None:
        self.rows.append((what, figure, note))
        print(f"  {what:<58} {figure:>16}  {note}", flush=True)


def rate(result: LoadResult) -> str:
    return f"{result.per_second:,.0f}/s"


def latency(result: LoadResult) -> str:
    return f"p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms"


def seed(day: datetime.date) -> list[str]:
    """Demo centres for the spread scenarios, a hot slot per design for the contended ones."""
    from django.core.management import call_command

    from availability.services import centre_save, slot_set_capacity
    from bench.models import RivalSlot
    from vaksin import store

    call_command("seed_slots", "--demo", "--days", str(SPREAD_DAYS), "--capacity", "1000000")
    centre_save(centre_id="HOT", name="One contended slot", state="MY-14")
    slot_set_capacity(location="HOT", date=day, capacity=HOT_CAPACITY)
    store.client().set(f"rival:HOT|{day}", HOT_CAPACITY)
    RivalSlot.objects.create(
        location="HOT", date=day, capacity=HOT_CAPACITY, available=HOT_CAPACITY
    )
    centres = ["WTCKL", "UM", "UKM", "IDCC", "BCCK", "IKBNM", "SPICE", "PJICC"]
    spread = [
        f"{c}|{day + datetime.timedelta(days=n)}" for n in range(SPREAD_DAYS) for c in centres
    ]
    for slot in spread:
        location, date = slot.split("|")
        store.client().set(f"rival:{slot}", 1_000_000)
        RivalSlot.objects.create(location=location, date=date, capacity=10**6, available=10**6)
    return spread


def origin_hits_per_second() -> float:
    lines = (
        (RUN / "origin-hits.log").read_text().split("\n")
        if (RUN / "origin-hits.log").exists()
        else []
    )
    moments = [float(line.split()[0]) for line in lines if line.strip()]
    if len(moments) < 2:
        return float(len(moments))
    return (len(moments) - 1) / (moments[-1] - moments[0])


def outcome(result: LoadResult, *, stored: int, capacity: int) -> str:
    """What a design told people against what it stored: any yes without a place is a defect."""
    told = result.count(201)
    # wrk stops mid-flight: a few bookings can be stored whose answer it never read.
    false_yes = max(0, told - stored)
    overbooked = max(0, stored - capacity)
    return (
        f"{told:,} told yes, {stored:,} stored, {capacity:,} places: "
        f"{false_yes:,} false yes, {overbooked:,} overbooked"
    )


def add_lag(figures: Figures, probe: LagProbe, load: LoadResult) -> None:
    lags = probe.lags_ms()
    figures.add(
        f"  confirmation lag at {load.per_second:,.0f} bookings/s",
        f"p50 {percentile(lags, 50):,.0f} ms",
        f"p99 {percentile(lags, 99):,.0f} ms, max {percentile(lags, 100):,.0f} ms, "
        f"{len(lags)} of {len(probe.answered_ms)} probe bookings sent",
    )


def run_booking_designs(
    stack: Stack, figures: Figures, *, seconds: int, day: datetime.date, spread: list[str]
) -> dict[str, LoadResult]:
    from bench.models import RivalBooking
    from vaksin import store
    from vaksin.store import keys

    client = store.client()
    hot = f"HOT|{day}"
    # Each scenario books its own people: wrk threads take blocks of 10^6 from these offsets.
    people = iter(range(10**7, 10**8, 10**7))

    def load(path: str, *slots: str) -> LoadResult:
        return wrk(f"{stack.origin}{path}", "book", str(next(people)), *slots, seconds=seconds)

    results = {"trivial": wrk(f"{stack.origin}/bench/trivial", "get", seconds=seconds)}
    figures.add(
        "Trivial Django JSON view (the ceiling)",
        rate(results["trivial"]),
        latency(results["trivial"]),
    )

    probe = LagProbe(stack.origin, spread[0], first_person=16 * 10**7)
    probe.start()
    results["vaksin"] = load("/api/bookings", *spread)
    probe.stop()
    ratio = results["vaksin"].per_second / results["trivial"].per_second
    figures.add(
        "Vaksin POST /api/bookings, spread over 112 slots",
        rate(results["vaksin"]),
        f"{latency(results['vaksin'])}; {ratio:.2f} x trivial",
    )
    add_lag(figures, probe, results["vaksin"])
    probe = LagProbe(stack.origin, spread[1], first_person=17 * 10**7)
    probe.start()
    steady = wrk(f"{stack.origin}/api/bookings", "paced", str(STEADY_RATE), "64",
                 str(next(people)), *spread, seconds=seconds)  # fmt: skip
    probe.stop()
    figures.add("Vaksin POST /api/bookings, paced near 1,000/s", rate(steady), latency(steady))
    add_lag(figures, probe, steady)
    bare = load("/bench/book-bare", *spread)
    figures.add(
        "Bare booking view: the script alone, no validation",
        rate(bare),
        f"{bare.per_second / results['trivial'].per_second:.2f} x trivial: the floor of a "
        "booking that waits for an fsynced Redis write",
    )
    hot_result = load("/api/bookings", hot)
    stored = int(client.hget(keys.BOOKED, hot) or 0)
    figures.add(
        "Vaksin POST /api/bookings, all on one slot",
        rate(hot_result),
        outcome(hot_result, stored=stored, capacity=HOT_CAPACITY),
    )
    if hot_result.count(201) > stored or stored > HOT_CAPACITY:
        figures.problems.append(
            f"Vaksin: {outcome(hot_result, stored=stored, capacity=HOT_CAPACITY)}"
        )

    for path, label in [
        ("/bench/book-2021", "2021 design as published (aborts counted as yes)"),
        ("/bench/book-2021-retrying", "2021 design, retrying on abort"),
    ]:
        client.set(f"rival:{hot}", HOT_CAPACITY)
        client.delete(f"rival:bookings:{hot}")
        result = load(path, hot)
        stored = client.hlen(f"rival:bookings:{hot}")
        figures.add(
            f"{label}, one slot",
            rate(result),
            outcome(result, stored=stored, capacity=HOT_CAPACITY),
        )

    rival = load("/bench/book-2021-retrying", *spread)
    figures.add(
        "2021 design, retrying on abort, spread",
        rate(rival),
        f"{latency(rival)}; Vaksin is {results['vaksin'].per_second / rival.per_second:.1f} x this",
    )
    results["select_for_update"] = load("/bench/book-select-for-update", *spread)
    ratio = results["vaksin"].per_second / results["select_for_update"].per_second
    figures.add(
        "select_for_update + insert, spread",
        rate(results["select_for_update"]),
        f"{latency(results['select_for_update'])}; Vaksin is {ratio:.1f} x this",
    )
    result = load("/bench/book-select-for-update", hot)
    stored = RivalBooking.objects.filter(slot__location="HOT").count()
    figures.add(
        "select_for_update + insert, one slot",
        rate(result),
        outcome(result, stored=stored, capacity=HOT_CAPACITY),
    )
    return results


def run_wizard_submit(
    stack: Stack, figures: Figures, *, seconds: int, spread: list[str], trivial: LoadResult
) -> None:
    """The wizard's last step (check your answers, then submit), as a browser posts it."""
    from availability.models import Centre
    from bench.wizard import csrf_pair, write_wizard_cookies

    cookies = RUN / "wizard-cookies.txt"
    states = dict(Centre.objects.values_list("id", "state"))
    write_wizard_cookies(
        cookies, first_person=15 * 10**7, count=4_000 * seconds, slots=spread, states=states
    )
    csrf_cookie, csrf_token = csrf_pair(stack.origin)
    result = wrk(
        f"{stack.origin}/register/check/", "submit", str(cookies), csrf_cookie, csrf_token,
        seconds=seconds,
    )  # fmt: skip
    booked = result.count(303)
    ratio = result.per_second / trivial.per_second
    figures.add(
        "Wizard: submit on 'check your answers' (then 303)",
        rate(result),
        f"{latency(result)}; {booked:,} booked; {ratio:.2f} x trivial",
    )
    if booked != result.requests:
        figures.problems.append(f"wizard submit: answers {result.statuses}")


def run_availability(stack: Stack, figures: Figures, *, seconds: int) -> None:
    trivial = wrk(f"{stack.origin}/bench/trivial", "get", seconds=seconds)
    origin = wrk(f"{stack.origin}/api/availability", "get", seconds=seconds)
    figures.add(
        "GET /api/availability at the origin (cache hit)",
        rate(origin),
        f"{origin.per_second / trivial.per_second:.2f} x trivial ({rate(trivial)} this pass)",
    )
    (RUN / "origin-hits.log").write_text("")
    edge = wrk(f"{stack.edge}/api/availability", "get", seconds=seconds, connections=256)
    subprocess.run(["nginx", "-c", str(RUN / "nginx.conf"), "-s", "reopen"], check=False)
    figures.add("GET /api/availability at the nginx edge", rate(edge), latency(edge))
    figures.add("  origin requests per second behind the edge", f"{origin_hits_per_second():.2f}/s")


def run_replay(stack: Stack, figures: Figures, *, first: datetime.date, limit: int) -> None:
    """Books the 220,300 places of 2 May 2021 by distinct people as fast as the stack allows."""
    from availability.services import centre_save, slot_set_capacity
    from bench.replay import REAL_DRAIN, replay_slots, weighted_slot_arguments
    from vaksin import store
    from vaksin.store import keys

    slots = replay_slots(first=first)
    for location in sorted({slot.location for slot in slots}):
        centre_save(centre_id=location, name=f"Round 1 centre {location[-1]}", state="MY-14")
    for slot in slots:
        slot_set_capacity(location=slot.location, date=slot.date, capacity=slot.capacity)
    fields = [keys.slot_field(slot.location, slot.date.isoformat()) for slot in slots]
    total = sum(slot.capacity for slot in slots)

    def remaining() -> int:
        booked = store.client().hmget(keys.BOOKED, fields)
        return total - sum(int(count or 0) for count in booked)

    script = str(ROOT / "bench" / "wrk" / "load.lua")
    command = [
        "wrk",
        "-t2",
        "-c64",
        f"-d{limit}s",
        "--timeout",
        "10s",
        "-s",
        script,
        f"{stack.origin}/api/bookings",
        "--",
        "book",
        str(12 * 10**7),
        *weighted_slot_arguments(slots),
    ]
    started = time.monotonic()
    load = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    while remaining() > 0 and load.poll() is None and time.monotonic() - started < limit:
        time.sleep(0.25)
    drained = time.monotonic() - started
    load.send_signal(signal.SIGINT)
    load.wait()
    left = remaining()
    figures.add(
        "Replay of 2 May 2021: 220,300 places, distinct people",
        f"{drained:,.0f} s" if left == 0 else f"{left:,} left",
        f"{total / drained:,.0f} bookings/s; 2021 took {REAL_DRAIN.seconds / drained:,.0f} x longer"
        if left == 0
        else f"not drained in {limit} s",
    )


def check_confirmations(figures: Figures) -> None:
    """Every booking of the run got exactly one SMS, once the relay and worker caught up."""
    from registration.references import reference_for
    from vaksin.store import bookings

    started = time.monotonic()
    relayed = wait_until_relayed(seconds=300)
    active = {reference_for(number) for number in bookings.scan_persons().values()}
    counts = sms_per_booking(RUN / "sms.log")
    while relayed and len(counts) < len(active) and time.monotonic() - started < 300:
        time.sleep(1)
        counts = sms_per_booking(RUN / "sms.log")
    missing = len(active - set(counts))
    twice = sum(1 for count in counts.values() if count > 1)
    figures.add(
        "Confirmations: one SMS per booking",
        "exact" if not missing and not twice else f"{missing} missing, {twice} twice",
        f"{len(active):,} bookings, {sum(counts.values()):,} SMS",
    )
    if missing or twice:
        figures.problems.append(f"confirmations: {missing} missing, {twice} sent twice")


def check_export(figures: Figures) -> None:
    """The export to PostgreSQL copies every booking once, and verifies."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    started = time.monotonic()
    call_command("export_bookings", stdout=StringIO(), stderr=StringIO())
    seconds = time.monotonic() - started
    from registration.models import Booking

    rows = Booking.objects.count()
    try:
        call_command("export_bookings", "--verify", stdout=StringIO(), stderr=StringIO())
        verdict = "exact"
    except CommandError:
        verdict = "differs"
        figures.problems.append("export --verify found a difference")
    figures.add(
        "Export to PostgreSQL, then --verify",
        verdict,
        f"{rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)",
    )


def run_memory(figures: Figures) -> None:
    """Redis memory per booking, on a database of its own (bench/memory_per_booking.py)."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.memory_per_booking", "--count", "100000", "--db", "9"],
        cwd=ROOT, capture_output=True, text=True, check=True, env=environment(),
    ).stdout  # fmt: skip
    for line in output.splitlines():
        # "booked: 199 bytes per booking by MEMORY USAGE of every key, 196 by INFO used_memory"
        if "bytes per booking" in line:
            label, _, rest = line.partition(": ")
            usage, _, delta = rest.partition(", ")
            figures.add(
                f"Redis memory per booking, {label}",
                usage.split(" per booking")[0],
                f"MEMORY USAGE of every key over 100,000 bookings; {delta}",
            )


def check_invariants(figures: Figures) -> None:
    from vaksin.invariants import store_problems

    problems = store_problems()
    figures.problems += problems
    figures.add(
        "Invariants after the run (overbooking, one per person)",
        "hold" if not problems else f"{len(problems)} broken",
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.platform(terse=True)}"


def versions() -> str:
    def first_line(*command: str) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            return (result.stdout or result.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    return "; ".join(
        [
            f"Python {platform.python_version()}",
            f"Django {django.get_version()}",
            first_line("redis-server", "--version").split(" sha=")[0],
            first_line("psql", "--version"),
            first_line("nginx", "-v"),
            first_line("wrk", "--version").split(" [")[0],
        ]
    )


def write_report(figures: Figures, *, seconds: int) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand. Every figure comes from",
        "one run on one machine, each beside its rival from the same run: the machine is shared",
        "and noisy, so read the ratios rather than the absolute numbers.",
        "",
        f"- Run: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{seconds} s per scenario, "
        "wrk with 2 threads and 64 connections (256 at the edge) on the same cores as the server.",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        "- Stack: gunicorn (WEB_CONCURRENCY=4 sync workers), the Procfile's workers, Redis with "
        "appendfsync always, PostgreSQL, nginx as the edge.",
        "",
        "| what | figure | note |",
        "|---|---:|---|",
        *[f"| {what} | {figure} | {note} |" for what, figure, note in figures.rows],
        "",
        "Problems found: " + ("none." if not figures.problems else "; ".join(figures.problems)),
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description="The noon rush, measured side by side.")
    parser.add_argument("--seconds", type=int, default=10, help="per scenario (10)")
    parser.add_argument("--skip-replay", action="store_true", help="leave out the 2021 replay")
    parser.add_argument("--replay-limit", type=int, default=600, help="seconds (600)")
    options = parser.parse_args()

    os.environ.update(environment())
    prepare_database()
    django.setup()
    from vaksin import store

    store.client().flushdb()
    (RUN / "sms.log").unlink(missing_ok=True)
    day = datetime.date.today() + datetime.timedelta(days=1)
    spread = seed(day)
    figures = Figures()
    with running_stack() as stack:
        stack.start_web()
        stack.start_workers()
        stack.start_edge()
        print("Booking:", flush=True)
        results = run_booking_designs(
            stack, figures, seconds=options.seconds, day=day, spread=spread
        )
        run_wizard_submit(
            stack, figures, seconds=options.seconds, spread=spread, trivial=results["trivial"]
        )
        print("Availability:", flush=True)
        run_availability(stack, figures, seconds=options.seconds)
        if not options.skip_replay:
            print("Replay:", flush=True)
            run_replay(
                stack, figures, first=day + datetime.timedelta(days=30), limit=options.replay_limit
            )
        check_invariants(figures)
        check_confirmations(figures)
        check_export(figures)
    print("Memory:", flush=True)
    run_memory(figures)
    write_report(figures, seconds=options.seconds)
    print(
        "Wrote BENCHMARKS.md" + ("" if not figures.problems else f"; problems: {figures.problems}")
    )
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.exit(main())
