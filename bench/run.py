"""`make bench`: the noon rush on this machine, every figure beside its rival from the same run.

Starts the real stack on loopback (private Redis with fsync always, PostgreSQL, gunicorn, the
Procfile's workers and an nginx edge), drives it with wrk for a bounded time per scenario,
checks the invariants afterwards, prints a table and rewrites BENCHMARKS.md. Every ratio to the
trivial view divides a run by the trivial runs just before and after it (bench/ceiling.py).
Exits non-zero when a figure cannot be trusted: a scenario that got answers it did not expect,
an edge that passes more than a request a second to the origin, a broken invariant, or a figure
that cannot be true (bench/guards.py: a path faster than the trivial view beside it, an export
faster than a raw COPY...). A missed target is printed as missed and is not a failure.

    .venv/bin/python -m bench.run [--seconds 10] [--skip-replay]
    .venv/bin/python -m bench.run --only booking wizard export --report var/partial.md

A partial run on a shared machine: bench/stack.py's BENCH_* variables give it a Redis database,
a PostgreSQL database, a run folder and ports of its own.
"""

import argparse
import datetime
import itertools
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import django

from bench.ceiling import Timeline
from bench.codes import CodeProbe
from bench.confirmations import (
    LagProbe,
    percentile,
    sms_parts_by_language,
    sms_parts_note,
    sms_per_booking,
    wait_until_sent,
)
from bench.cpu import Meter
from bench.doses import run_doses
from bench.export_speed import raw_copy_seconds
from bench.guards import (
    above_ceiling,
    above_servable,
    below_floor,
    edge_refreshes_too_few,
    export_faster_than_copy,
    negative_lag,
    stored_more_than_told,
)
from bench.listing import listing_sent, write_national_slots
from bench.load import LoadResult, combined, wrk, wrk_until
from bench.metrics_cost import run_metrics_cost
from bench.pumping import run_pumping
from bench.report import Figures, latency, rate, summary, write_report
from bench.stack import RUN, environment, prepare_database, running_stack
from bench.waiting_room import run_waiting_room
from devstack.edge import edge_log_problems
from devstack.processes import ROOT
from devstack.stack import Stack

# Small enough that every design sells out within a scenario, so false answers can show.
HOT_CAPACITY = 2_000
SPREAD_PATHS = {
    "api": "/api/bookings",
    "rival": "/bench/book-2021-retrying",
    "bare": "/bench/book-bare",
    "phone": "/bench/book-bare-phone-checked",
}
SPREAD_DAYS = 14
CENTRES = ["WTCKL", "UM", "UKM", "IDCC", "BCCK", "IKBNM", "SPICE", "PJICC"]
# The targets of the booking path, each shown beside its figure.
API_VS_2021 = 1.0
BARE_VS_2021 = 1.5
PHONE_CHECK_VS_NONE = 0.9
PACED_SHARE = 0.8
LAG_P99_MS = 2_000
CODE_P99_MS = 1_000
# A booking's CPU, every process from the request to the confirmation sent, against a trivial
# request's measured the same way; a code's against a booking's.
CPU_VS_TRIVIAL = 2.0
CODES_VS_BOOKINGS = 0.9
CODE_CPU_VS_BOOKING = 1.5
EXPORT_VS_COPY = 0.5
# The cost of a citizen: a whole wizard journey's server CPU against an API booking's, its bytes
# on a first visit, and each page's HTML gzipped (the first round trip of a slow connection).
JOURNEY_CPU_VS_BOOKING = 10
JOURNEY_KB = 150
PAGE_HTML_BYTES = 14 * 1024
JOURNEY_PEOPLE = 19 * 10**7
# The API bookings beside the journeys: wrk's people (bench/wrk/load.lua) clear of the others'.
JOURNEY_API_PEOPLE = 9 * 10**7
# wrk's connections: as many requests may be in flight, answered but unread, when it stops.
CONNECTIONS = 64
# An edge that holds the listing for its 1 s TTL asks the origin about once a second.
EDGE_ORIGIN_PER_SECOND = 1.0
ACCEPT_LANGUAGES = 200
# The national-scale listing lives in a Redis database of its own, behind a web of its own.
NATIONAL_DB = 10

Load = Callable[..., LoadResult]


def seed(day: datetime.date) -> list[str]:
    """Demo centres for the spread scenarios, a hot slot per design for the contended ones."""
    from django.core.management import call_command

    from availability.services import centre_save, slot_set_capacity
    from bench.models import RivalSlot
    from bench.views import rival_counter
    from vaksin import store

    call_command("seed_slots", "--demo", "--days", str(SPREAD_DAYS), "--capacity", "1000000")
    centre_save(centre_id="HOT", name="One contended slot", state="MY-14")
    slot_set_capacity(location="HOT", date=day, capacity=HOT_CAPACITY)
    store.client().set(rival_counter(f"HOT|{day}"), HOT_CAPACITY)
    RivalSlot.objects.create(
        location="HOT", date=day, capacity=HOT_CAPACITY, available=HOT_CAPACITY
    )
    spread = [
        f"{c}|{day + datetime.timedelta(days=n)}" for n in range(SPREAD_DAYS) for c in CENTRES
    ]
    for slot in spread:
        location, date = slot.split("|")
        store.client().set(rival_counter(slot), 1_000_000)
        RivalSlot.objects.create(location=location, date=date, capacity=10**6, available=10**6)
    return spread


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


def bookings_made() -> int:
    from vaksin.store import bookings

    return bookings.read_log_length()


def settle(figures: Figures, *, after: str) -> None:
    """Waits until every booking so far has its confirmations sent (a problem after 300 s)."""
    if not wait_until_sent(seconds=300):
        figures.problems.append(f"{after}: confirmations still not all sent after 300 s")


def add_lag(figures: Figures, probe: LagProbe, what: str, *, target: bool) -> None:
    """The probe's confirmation lags, with the p99 target beside them when `target`."""
    lags = probe.lags_ms()
    figures.refuse(negative_lag(what.strip(), lags))
    note = (
        f"p50 {percentile(lags, 50):,.0f} ms, max {percentile(lags, 100):,.0f} ms, "
        f"{len(lags)} of {len(probe.answered_ms)} probe bookings sent"
    )
    p99 = percentile(lags, 99)
    if target:
        figures.target(
            what, f"p99 {p99:,.0f} ms", met=p99 <= LAG_P99_MS, target="p99 <= 2 s", note=note
        )
    else:
        figures.add(what, f"p99 {p99:,.0f} ms", note)
    if probe.failures or len(lags) < len(probe.answered_ms):
        figures.problems.append(
            f"lag probe ({what.strip()}): {len(probe.failures)} bookings failed "
            f"({probe.failures[:1]}), {len(probe.answered_ms) - len(lags)} never confirmed"
        )


def add_ceiling_row(figures: Figures, timeline: Timeline, what: str, name: str, note: str) -> None:
    """A row of a path measured beside the trivial view, and a problem when it passes it."""
    result = combined(*(run for run_name, run in timeline.runs if run_name == name))
    figures.add(what, rate(result), f"{latency(result)}; {timeline.describe(name)}; {note}")
    figures.refuse(above_ceiling(what.strip(), timeline.rounds(name)))


_meters: dict[int, Meter] = {}


def stack_meter(stack: Stack) -> Meter:
    """The CPU meter of the process trees that serve a booking or a code (bench/cpu.py),
    its idle rate measured on the quiet stack the first time it is asked for."""
    from vaksin import store

    if id(stack) not in _meters:
        roots = stack.process_trees(int(store.client().info("server")["process_id"]))
        _meters[id(stack)] = meter = Meter(roots)
        meter.calibrate()
    return _meters[id(stack)]


def run_api_spread(
    stack: Stack, figures: Figures, *, load: Load, spread: list[str], timeline: Timeline
) -> tuple[LoadResult, float, float]:
    """The full booking API at full tilt with the lag probe beside it, and the CPU every kind
    of process spent per booking, from the first booking to the last confirmation sent.
    Returns wrk's result, the run's maximum booking rate (wrk's and the probe's) and the CPU
    seconds per booking."""
    meter = stack_meter(stack)
    timeline.measure_trivial()
    mark = meter.mark()
    first = bookings_made()
    probe = LagProbe(stack.origin, spread[0], first_person=16 * 10**7)
    probe.start()
    result = load("/api/bookings", *spread)
    probe.stop()
    booked = bookings_made() - first
    timeline.record("api", result)
    figures.expect("Vaksin spread", result, {201})
    add_lag(figures, probe, f"  confirmation lag at {rate(result)}", target=False)
    settle(figures, after="Vaksin spread")
    spent = meter.spent(mark)
    timeline.measure_trivial()
    maximum = booked / result.seconds
    add_ceiling_row(
        figures, timeline, f"Vaksin POST /api/bookings, spread over {len(spread)} slots", "api",
        f"the run's maximum: {maximum:,.0f} bookings/s with the probe's",
    )  # fmt: skip
    ceiling = statistics.median(run.per_second for run in timeline.trivial_results()[-2:])
    figures.refuse(above_servable("the run's maximum booking rate", maximum, ceiling))
    used = {kind: seconds * 1e6 / booked for kind, seconds in spent.items()}
    per_booking = sum(used.values()) / 1e6
    trivial_cpu = timeline.trivial_cpu_per_request()
    ratio = per_booking / trivial_cpu if trivial_cpu else float("inf")
    figures.target(
        "  CPU per booking, request to confirmation sent (every process)",
        f"{per_booking * 1e6:,.0f} µs",
        met=ratio <= CPU_VS_TRIVIAL,
        target=f"<= {CPU_VS_TRIVIAL:.1f} x the trivial view's",
        note=f"{ratio:.2f} x the trivial view's {trivial_cpu * 1e6:,.0f} µs a request, measured "
        "the same way beside it; "
        + ", ".join(f"{kind} {micros:,.0f}" for kind, micros in used.items())
        + f"; {booked:,} bookings, from the first until every confirmation was sent, less the "
        f"stack's idle rate ({sum(meter.idle_per_second.values()) * 1e3:,.0f} ms a second)",
    )
    figures.add(
        "  SMS parts per booking, by language",
        *sms_parts_note(sms_parts_by_language(RUN / "sms.log")),
    )
    return result, maximum, per_booking


def run_paced(
    stack: Stack,
    figures: Figures,
    *,
    spread: list[str],
    api: LoadResult,
    maximum: float,
    people: int,
    seconds: int,
    timeline: Timeline,
) -> None:
    """The API paced at PACED_SHARE of the run's maximum. wrk is paced at that share of its own
    rate at full tilt; the lag probe books a few a second on top, at both rates, and the code
    probe asks for a one-time code every 50 ms while the confirmations queue."""
    probe = LagProbe(stack.origin, spread[1], first_person=17 * 10**7)
    codes = CodeProbe(stack.origin, RUN / "sms.log")
    pace = PACED_SHARE * api.per_second
    first = bookings_made()
    probe.start()
    codes.start()
    result = wrk(
        f"{stack.origin}/api/bookings", "paced", f"{pace:.0f}", "2", str(people), *spread,
        seconds=seconds,
    )  # fmt: skip
    probe.stop()
    codes.stop()
    timeline.record("paced", result)
    achieved = (bookings_made() - first) / result.seconds
    note = f"{achieved / maximum:.2f} x {maximum:,.0f}/s (probe included); {latency(result)}"
    if achieved < 0.95 * PACED_SHARE * maximum:
        # The machine is shared: the stack may have less of it than when it set the maximum.
        note += "; the stack did not hold the pace, so the lag below is a saturated stack's"
    figures.add(
        f"Vaksin POST /api/bookings, paced at {PACED_SHARE} x the maximum",
        f"{achieved:,.0f}/s",
        note,
    )
    figures.expect("Vaksin paced", result, {201})
    add_lag(figures, probe, f"  confirmation lag at {achieved:,.0f} bookings/s", target=True)
    code_lags = codes.lags_ms()
    figures.refuse(negative_lag("code to SMS", code_lags))
    figures.target(
        f"  code to SMS, meanwhile ({len(codes.asked)} codes asked)",
        f"p99 {percentile(code_lags, 99):,.0f} ms",
        met=len(code_lags) == len(codes.asked) and percentile(code_lags, 99) <= CODE_P99_MS,
        target="p99 <= 1 s",
        note=f"p50 {percentile(code_lags, 50):,.0f} ms; {len(code_lags)} of {len(codes.asked)} "
        "sent; the relay sends them, beside the booking log",
    )
    if codes.failures:
        figures.problems.append(f"code probe: {len(codes.failures)} failed ({codes.failures[:1]})")


def confirmations_paused(run: Callable[[], LoadResult]) -> LoadResult:
    """`run` with operators' pause of confirmations on: the booking path alone, as on a
    deployment whose workers have cores of their own. The confirmations are sent after it."""
    from vaksin.store.switches import switch_write
    from vaksin.switches import CONFIRMATIONS, SWITCHES_TTL

    switch_write(CONFIRMATIONS, "paused")
    time.sleep(SWITCHES_TTL + 0.2)  # every process reads the switches at most this long ago
    try:
        return run()
    finally:
        switch_write(CONFIRMATIONS, None)


def sms_lines_written() -> int:
    path = RUN / "sms.log"
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def wait_until_sms_quiet(*, seconds: float = 120) -> int:
    """Waits until the SMS log has not grown for two seconds; returns its lines."""
    deadline = time.monotonic() + seconds
    last, still_since = sms_lines_written(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - still_since < 2:
        time.sleep(0.25)
        if (now := sms_lines_written()) != last:
            last, still_since = now, time.monotonic()
    return last


def run_verifications(
    stack: Stack,
    figures: Figures,
    *,
    load: Load,
    spread: list[str],
    timeline: Timeline,
    booking_cpu: float,
    seconds: int,
) -> None:
    """POST /api/verifications beside the full booking API (V A A V, each beside the trivial
    view), and the CPU per code asked and sent against a booking's."""
    meter = stack_meter(stack)
    spent, sent = 0.0, 0
    for turn, kind in enumerate(["verify", "api", "api", "verify"]):
        if kind == "api":
            booked = timeline.measure(
                "api beside codes", lambda: settled(load("/api/bookings", *spread))
            )
            figures.expect("booking API beside the verifications", booked, {201})
            continue
        if timeline.runs[-1][0] != Timeline.TRIVIAL:
            timeline.measure_trivial()
        lines, mark = sms_lines_written(), meter.mark()
        result = wrk(f"{stack.origin}/api/verifications", "verify", str(turn * 400_000),
                     seconds=seconds)  # fmt: skip
        sent += wait_until_sms_quiet() - lines
        spent += meter.total(mark)
        timeline.record("verify", result)
        timeline.measure_trivial()
        figures.expect("verifications", result, {202})
    verify_runs = [run for name, run in timeline.runs if name == "verify"]
    api_runs = [run for name, run in timeline.runs if name == "api beside codes"]
    codes_total, api_total = combined(*verify_runs), combined(*api_runs)
    add_ceiling_row(
        figures, timeline, "POST /api/verifications, a code for a new phone each time",
        "verify", f"{sent:,} codes sent",
    )  # fmt: skip
    figures.refuse(above_ceiling("booking API beside the verifications",
                                 timeline.rounds("api beside codes")))  # fmt: skip
    rate_ratio = round(codes_total.per_second / api_total.per_second, 2)
    figures.target(
        "  verifications / full booking API, in turn V A A V",
        f"{rate_ratio:.2f} x",
        met=rate_ratio >= CODES_VS_BOOKINGS,
        target=f">= {CODES_VS_BOOKINGS:.1f} x",
        note=f"{rate(codes_total)} against {rate(api_total)} "
        f"({timeline.describe('api beside codes')})",
    )
    per_code = spent / sent if sent else float("inf")
    cpu_ratio = per_code / booking_cpu if booking_cpu else float("inf")
    figures.target(
        "  CPU per code asked and sent / per booking",
        f"{cpu_ratio:.2f} x",
        met=cpu_ratio <= CODE_CPU_VS_BOOKING,
        target=f"<= {CODE_CPU_VS_BOOKING:.1f} x",
        note=f"{per_code * 1e6:,.0f} µs a code (every process, measured as a booking's; the "
        f"confirm request not included) against {booking_cpu * 1e6:,.0f} µs a booking",
    )


def settled(result: LoadResult) -> LoadResult:
    """`result`, once every confirmation of it is sent: the trivial view after it runs on a
    stack with no backlog."""
    wait_until_sent(seconds=300)
    return result


def run_booking_designs(
    stack: Stack, figures: Figures, *, seconds: int, day: datetime.date, spread: list[str]
) -> Timeline:
    """Every booking design, spread and on one contended slot, each run beside the trivial
    view; returns the timeline of runs."""
    from bench.models import RivalBooking
    from bench.views import rival_counter
    from vaksin import store
    from vaksin.store import keys

    client = store.client()
    hot = f"HOT|{day}"
    # Each scenario books its own people: wrk's two threads take a block of 10^6 each from
    # these offsets, below the probes' and the replay's people.
    people = itertools.count(10**7, 2 * 10**6)

    def load(path: str, *slots: str) -> LoadResult:
        return wrk(f"{stack.origin}{path}", "book", str(next(people)), *slots, seconds=seconds)

    timeline = Timeline(
        trivial=lambda: wrk(
            f"{stack.origin}/bench/trivial", "get", seconds=trivial_seconds(seconds)
        ),
        meter=stack_meter(stack),
    )

    api_first, maximum, booking_cpu = run_api_spread(
        stack, figures, load=load, spread=spread, timeline=timeline
    )
    # The designs of the ratios run in turn A B C C B A (the full API's first run is the one
    # above), every run starting with no confirmation backlog, each beside the trivial view:
    # a load on the shared machine that drifts during them then weighs on each design alike.
    runs: dict[str, list[LoadResult]] = {"api": [api_first], "rival": [], "bare": [], "phone": []}

    def spread_run(design: str) -> Callable[[], LoadResult]:
        """A design's run over the spread slots, returned once its confirmations are sent."""
        if design == "bare paused":
            bare = SPREAD_PATHS["bare"]
            return lambda: settled(confirmations_paused(lambda: load(bare, *spread)))
        return lambda: settled(load(SPREAD_PATHS[design], *spread))

    for design in ["rival", "bare", "phone", "phone", "bare", "rival", "api"]:
        result = timeline.measure(design, spread_run(design))
        runs[design].append(result)
        figures.expect(f"{design} spread", result, {201})
        settle(figures, after=f"{design} spread")
    # The bare view with confirmations paused, beside the rival: P R R P.
    paused: dict[str, list[LoadResult]] = {"bare paused": [], "rival": []}
    for design in ["bare paused", "rival", "rival", "bare paused"]:
        result = timeline.measure(design, spread_run(design))
        paused[design].append(result)
        figures.expect(f"{design} spread", result, {201})
    totals = {design: combined(*results) for design, results in runs.items()}
    api, rival, bare = totals["api"], totals["rival"], totals["bare"]

    def each(results: list[LoadResult]) -> str:
        return f"runs of {' and '.join(rate(run) for run in results)}"

    figures.add(
        "2021 design, retrying on abort, spread",
        rate(rival),
        f"{latency(rival)}; {each(runs['rival'])}; {timeline.describe('rival')}",
    )
    figures.refuse(above_ceiling("2021 design, spread", timeline.rounds("rival")))
    add_ceiling_row(
        figures, timeline, "Bare booking view: the script alone, no validation", "bare",
        each(runs["bare"]),
    )  # fmt: skip
    add_ceiling_row(
        figures, timeline, "  the same, confirmations paused during the run (sent after it)",
        "bare paused", each(paused["bare paused"]),
    )  # fmt: skip
    full = round(api.per_second / rival.per_second, 2)
    figures.target(
        "Full API / 2021 design retrying, spread",
        f"{full:.2f} x",
        met=full >= API_VS_2021,
        target=f">= {API_VS_2021:.1f} x",
        note=f"{each(runs['api'])} against {each(runs['rival'])}, in turn A B C C B A",
    )
    running = bare.per_second / rival.per_second
    figures.add(
        "Bare booking view / 2021 design retrying, confirmations running",
        f"{running:.2f} x",
        f"no target (the target is judged paused, below); {each(runs['bare'])} against "
        f"{each(runs['rival'])}, in turn A B C C B A",
    )
    alone_rival = combined(*paused["rival"])
    alone = round(combined(*paused["bare paused"]).per_second / alone_rival.per_second, 2)
    figures.target(
        "Bare booking view / 2021 design retrying, confirmations paused",
        f"{alone:.2f} x",
        met=alone >= BARE_VS_2021,
        target=f">= {BARE_VS_2021:.1f} x",
        note=f"{each(paused['bare paused'])} against {each(paused['rival'])}, in turn P R R P; "
        "the workers have cores of their own in production (docs/deploy.md)",
    )
    phone_ratio = round(totals["phone"].per_second / bare.per_second, 2)
    figures.target(
        "Bare booking view with the phone's limit / without",
        f"{phone_ratio:.2f} x",
        met=phone_ratio >= PHONE_CHECK_VS_NONE,
        target=f">= {PHONE_CHECK_VS_NONE:.1f} x",
        note=f"{each(runs['phone'])} against {each(runs['bare'])}, in turn",
    )
    figures.refuse(above_ceiling("bare view with the phone's limit", timeline.rounds("phone")))
    run_paced(
        stack,
        figures,
        spread=spread,
        api=api_first,
        maximum=maximum,
        people=next(people),
        seconds=seconds,
        timeline=timeline,
    )
    # After the paced run: the thousands of codes asked here queue before the code probe's.
    run_verifications(
        stack, figures, load=load, spread=spread, timeline=timeline, booking_cpu=booking_cpu,
        seconds=seconds,
    )  # fmt: skip

    hot_result = load("/api/bookings", hot)
    stored = int(client.hget(keys.BOOKED, hot) or 0)
    figures.add(
        "Vaksin POST /api/bookings, all on one slot",
        rate(hot_result),
        outcome(hot_result, stored=stored, capacity=HOT_CAPACITY),
    )
    figures.expect("Vaksin one slot", hot_result, {201, 409})
    if hot_result.count(201) > stored or stored > HOT_CAPACITY:
        figures.problems.append(
            f"Vaksin: {outcome(hot_result, stored=stored, capacity=HOT_CAPACITY)}"
        )
    figures.refuse(stored_more_than_told("Vaksin, one slot", told=hot_result.count(201),
                                         stored=stored, in_flight=CONNECTIONS))  # fmt: skip
    for path, label in [
        ("/bench/book-2021", "2021 design as published (aborts counted as yes)"),
        ("/bench/book-2021-retrying", "2021 design, retrying on abort"),
    ]:
        client.set(rival_counter(hot), HOT_CAPACITY)
        result = load(path, hot)
        # Only a committed transaction takes a place from the counter.
        stored = HOT_CAPACITY - int(client.get(rival_counter(hot)))
        figures.add(
            f"{label}, one slot",
            rate(result),
            outcome(result, stored=stored, capacity=HOT_CAPACITY),
        )
        figures.expect(f"{label}, one slot", result, {201, 409})
        figures.refuse(stored_more_than_told(f"{label}, one slot", told=result.count(201),
                                             stored=stored, in_flight=CONNECTIONS))  # fmt: skip

    select_for_update = load("/bench/book-select-for-update", *spread)
    figures.add(
        "select_for_update + insert, spread",
        rate(select_for_update),
        f"{latency(select_for_update)}; Vaksin is "
        f"{api.per_second / select_for_update.per_second:.1f} x this",
    )
    figures.expect("select_for_update spread", select_for_update, {201})
    result = load("/bench/book-select-for-update", hot)
    stored = RivalBooking.objects.filter(slot__location="HOT").count()
    figures.add(
        "select_for_update + insert, one slot",
        rate(result),
        outcome(result, stored=stored, capacity=HOT_CAPACITY),
    )
    figures.expect("select_for_update one slot", result, {201, 409})
    figures.refuse(stored_more_than_told("select_for_update, one slot", told=result.count(201),
                                         stored=stored, in_flight=CONNECTIONS))  # fmt: skip
    return timeline


def trivial_seconds(seconds: int) -> int:
    """A trivial run beside each scenario: short, as there are many."""
    return max(2, seconds // 2)


def run_wizard_submit(
    stack: Stack, figures: Figures, *, seconds: int, spread: list[str], timeline: Timeline
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

    def submit() -> LoadResult:
        return settled(wrk(
            f"{stack.origin}/register/check/", "submit", str(cookies), csrf_cookie, csrf_token,
            seconds=seconds,
        ))  # fmt: skip

    result = timeline.measure("wizard submit", submit)
    add_ceiling_row(
        figures, timeline, "Wizard: submit on 'check your answers' (then 303)", "wizard submit",
        f"{result.count(303):,} booked",
    )  # fmt: skip
    figures.expect("wizard submit", result, {303})


def run_journeys(stack: Stack, figures: Figures, *, count: int, spread: list[str]) -> None:
    """The cost of a citizen (bench/journey.py): `count` distinct people walk the whole wizard
    over HTTP, half on a first visit and half with a warm cache, then the booking API books
    for as long, each measured as CPU of every process until every SMS is sent."""
    from availability.models import Centre
    from bench.journey import make_people, walk_many

    meter = stack_meter(stack)
    states = dict(Centre.objects.values_list("id", "state"))
    people = make_people(JOURNEY_PEOPLE, count, slots=spread, states=states)
    runs = {}
    for warm, half in [(False, people[: count // 2]), (True, people[count // 2 :])]:
        mark = meter.mark()
        result = walk_many(stack.origin, half, RUN / "sms.log", warm=warm)
        settle(figures, after="journeys")
        wait_until_sms_quiet()
        runs[warm] = (result, meter.spent(mark))
        if result.failures:
            figures.problems.append(
                f"journeys: {len(result.failures)} of {len(half)} failed ({result.failures[:2]})"
            )
    mark, first = meter.mark(), bookings_made()
    api = wrk(f"{stack.origin}/api/bookings", "book", str(JOURNEY_API_PEOPLE), *spread, seconds=5)
    settle(figures, after="API beside the journeys")
    booked = bookings_made() - first
    api_cpu = meter.total(mark) / booked if booked else float("inf")
    figures.expect("API beside the journeys", api, {201})
    # The floor of a journey: each request its views answer costs at least what the trivial
    # view costs the same stack (the middleware, gunicorn, the kernel's connection).
    beside = Timeline(
        trivial=lambda: wrk(f"{stack.origin}/bench/trivial", "get", seconds=3), meter=meter
    )
    figures.expect("trivial view beside the journeys", beside.measure_trivial(), {200})
    trivial_cpu = beside.trivial_cpu_per_request()
    for warm, (result, spent) in runs.items():
        done = len(result.tallies)
        per_journey = sum(spent.values()) / done if done else float("inf")
        viewed = result.mean(lambda t: t.requests - t.assets)
        by_kind = ", ".join(
            f"{kind} {seconds / max(done, 1) * 1e3:,.1f}" for kind, seconds in spent.items()
        )
        ratio = per_journey / api_cpu
        label = "warm cache" if warm else "first visit"
        figures.add(
            f"Wizard journey, {label}: requests and bytes per journey",
            f"{result.mean(lambda t: t.requests):.1f} requests",
            f"{result.mean(lambda t: t.received) / 1024:,.1f} KB received; {done:,} journeys "
            f"at {result.per_second:.1f}/s (the clients share the two cores)",
        )
        figures.target(
            f"  server CPU per journey, {label}, / one API booking's",
            f"{ratio:.1f} x",
            met=ratio <= JOURNEY_CPU_VS_BOOKING,
            target=f"<= {JOURNEY_CPU_VS_BOOKING} x",
            note=f"{per_journey * 1e3:,.1f} ms a journey ({by_kind}) against "
            f"{api_cpu * 1e6:,.0f} µs a "
            "booking, every process until every SMS was sent, less the stack's idle rate, "
            "measured in turn",
        )
        floor = viewed * trivial_cpu
        own, left = per_journey - floor, JOURNEY_CPU_VS_BOOKING * api_cpu - floor
        figures.add(
            "    of it, the floor: its requests at the trivial view's CPU each",
            f"{floor / api_cpu:.1f} x",
            f"{viewed:.1f} requests answered by the views (static files left out) x "
            f"{trivial_cpu * 1e6:,.0f} µs, the trivial view's CPU a request measured beside = "
            f"{floor * 1e3:,.1f} ms; the pages' own work above it "
            f"{own * 1e3:,.1f} ms ({own / max(viewed, 1) * 1e6:,.0f} µs a request), where "
            f"the target of {JOURNEY_CPU_VS_BOOKING} x leaves "
            f"{left * 1e3:,.1f} ms ({left / max(viewed, 1) * 1e6:,.0f} µs a request)",
        )
        figures.refuse(
            below_floor(
                f"journey, {label}", spent=per_journey, requests=viewed, per_request=trivial_cpu
            )
        )
    first_visit = runs[False][0]
    kb = first_visit.mean(lambda t: t.received) / 1024
    figures.target(
        "  bytes per first-visit journey",
        f"{kb:,.1f} KB",
        met=kb <= JOURNEY_KB,
        target=f"<= {JOURNEY_KB} KB",
        note="headers and bodies as sent by the origin, static files included",
    )
    pages = first_visit.largest_pages()
    largest, size = pages.most_common(1)[0] if pages else ("none", 0)
    figures.target(
        "  largest page's HTML, gzipped",
        f"{size / 1024:.1f} KB",
        met=size < PAGE_HTML_BYTES,
        target="< 14 KB each",
        note=f"{largest}; "
        + ", ".join(f"{path} {n / 1024:.1f}" for path, n in sorted(pages.items())),
    )


def run_listing_caches(stack: Stack, figures: Figures, *, seconds: int) -> LoadResult:
    """The listing through the micro-cache, through Django's cache_page on django-redis, and
    computed on every request, side by side; returns the micro-cache's run."""
    runs = {}
    for name, path in [
        ("trivial", "/bench/trivial"),
        ("micro-cache", "/api/availability"),
        ("cache_page", "/bench/listing-cache-page"),
        ("no cache", "/bench/listing-uncached"),
    ]:
        runs[name] = wrk(f"{stack.origin}{path}", "get", seconds=seconds)
        figures.expect(f"listing, {name}", runs[name], {200})
    micro, trivial = runs["micro-cache"], runs["trivial"]
    figures.add(
        "GET /api/availability at the origin (micro-cache hit)",
        rate(micro),
        f"{micro.per_second / trivial.per_second:.2f} x trivial ({rate(trivial)} this pass)",
    )
    for name, what in [
        ("cache_page", "  the same listing through Django's cache_page(1) on django-redis"),
        ("no cache", "  the same listing computed on every request"),
    ]:
        figures.add(
            what,
            rate(runs[name]),
            f"{latency(runs[name])}; the micro-cache is "
            f"{micro.per_second / runs[name].per_second:.2f} x this",
        )
    return micro


def run_edge(stack: Stack, figures: Figures, what: str, *args: str, seconds: int) -> None:
    """The listing at the nginx edge, and how many requests a second it passed to the origin:
    more than one a second means the edge is not caching, and the figure is not an edge's."""
    hits = RUN / "origin-hits.log"
    hits.write_text("")  # nginx appends, so the log restarts here
    edge = wrk(f"{stack.edge}/api/availability", *args, seconds=seconds, connections=256)
    # The first request finds the copy expired (the last scenario ended seconds ago) and fills
    # it; after that an edge that holds the listing for its second asks once a second at most,
    # and at least every other second (nginx counts a copy's life in whole seconds and keeps it
    # through the second after its fetch): N seconds give N/2 to N refreshes besides the fill.
    fetched = len(hits.read_text().splitlines())
    origin = max(fetched - 1, 0) / edge.seconds
    figures.add(what, rate(edge), latency(edge))
    figures.add(
        "  origin requests per second behind the edge",
        f"{origin:.2f}/s",
        f"{fetched} in {edge.seconds:.0f} s, the first of them filling the expired copy",
    )
    figures.expect(what.strip(), edge, {200})
    figures.refuse(edge_refreshes_too_few(what.strip(), fetched=fetched, seconds=edge.seconds))
    if origin > EDGE_ORIGIN_PER_SECOND:
        figures.problems.append(
            f"{what.strip()}: {origin:.1f} origin requests/s behind the edge (at most "
            f"{EDGE_ORIGIN_PER_SECOND:.0f} expected)"
        )


def run_availability(stack: Stack, figures: Figures, *, seconds: int) -> LoadResult:
    """The listing at the origin (three ways) and at the edge; returns the micro-cache's run."""
    micro = run_listing_caches(stack, figures, seconds=seconds)
    add_listing_size(figures, stack.origin)
    run_edge(stack, figures, "GET /api/availability at the nginx edge", "get", seconds=seconds)
    run_edge(
        stack, figures, f"  the edge, {ACCEPT_LANGUAGES} browser Accept-Language values in turn",
        "languages", str(ACCEPT_LANGUAGES), seconds=seconds,
    )  # fmt: skip
    for line in edge_log_problems(RUN)[:3]:
        figures.problems.append(f"nginx edge: {line}")
    return micro


def add_listing_size(figures: Figures, base: str) -> int:
    """The listing's size as sent, plain and when gzip is asked for; returns its slots."""
    plain, gzipped = listing_sent(base, gzip=False), listing_sent(base, gzip=True)
    slots = plain.slots or 0
    figures.add(
        f"GET /api/availability body, {slots:,} slots",
        f"{plain.size:,} bytes",
        f"{gzipped.size:,} bytes when gzip is asked for ({gzipped.describe()})",
    )
    return slots


def run_national(stack: Stack, figures: Figures, *, seconds: int, small: LoadResult) -> None:
    """The listing of 18,000 slots, seeded into a Redis database of its own and served by a
    web process of its own, beside the demo listing's origin rate from the same run."""
    import redis

    env = environment(redis_db=NATIONAL_DB)
    national = redis.Redis.from_url(env["REDIS_URL"])
    national.flushdb()
    slots_csv = RUN / "national-slots.csv"
    slots = write_national_slots(
        slots_csv, first=datetime.date.today() + datetime.timedelta(days=1)
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_slots", "--file", str(slots_csv)],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    try:
        base = stack.start_web("web-national", env=env)
        if add_listing_size(figures, base) != slots:
            figures.problems.append(f"the national listing does not list its {slots:,} slots")
        for what, headers in [
            (f"GET /api/availability at the origin, {slots:,} slots", ()),
            ("  the same, asking for gzip", ("Accept-Encoding: gzip",)),
        ]:
            result = wrk(f"{base}/api/availability", "get", seconds=seconds, headers=headers)
            figures.add(
                what,
                rate(result),
                f"{latency(result)}; {result.per_second / small.per_second:.2f} x the demo "
                f"listing ({rate(small)})",
            )
            figures.expect(what.strip(), result, {200})
    finally:
        stack.stop("web-national")
        national.flushdb()


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

    result, seconds = wrk_until(
        f"{stack.origin}/api/bookings", "book", str(12 * 10**7), *weighted_slot_arguments(slots),
        limit=limit, done=lambda: remaining() <= 0,
    )  # fmt: skip
    # A slot that fills answers sold_out to the people still choosing it.
    figures.expect("replay", result, {201, 409})
    if seconds is None:
        figures.add(
            "Replay of 2 May 2021: 220,300 places, distinct people",
            f"{remaining():,} left",
            f"not drained in {limit} s",
        )
        return
    # Each booking holds its second dose too (the slots' automatic second-dose places).
    locations = {slot.location for slot in slots}
    seconds_held = sum(
        int(count)
        for field, count in store.client().hgetall(keys.BOOKED2).items()
        if field.split("|", 1)[0] in locations
    )
    if seconds_held != total:
        figures.refuse(f"replay: {seconds_held:,} second doses held for {total:,} bookings")
    figures.add(
        "Replay of 2 May 2021: 220,300 places, distinct people, each with its second dose",
        f"{seconds:,.0f} s",
        f"{total / seconds:,.0f} bookings/s; {seconds_held:,} second doses held; "
        f"2021 took {REAL_DRAIN.seconds / seconds:,.0f} x longer",
    )


def check_confirmations(figures: Figures) -> None:
    """Every booking of the run got exactly one SMS, once the relay and worker caught up."""
    from registration.references import reference_for
    from vaksin.store import bookings

    settle(figures, after="the run")
    active = {reference_for(number) for number in bookings.scan_persons().values()}
    counts = sms_per_booking(RUN / "sms.log")
    deadline = time.monotonic() + 30
    while len(counts) < len(active) and time.monotonic() < deadline:
        time.sleep(1)  # a job that had just been taken off the queue
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
    """The export to PostgreSQL, timed cold (the `export` process was stopped for the run, so
    every booking is still to be copied), against a raw COPY of the same rows into the same
    table; then --verify."""
    from django.core.management import CommandError, call_command

    from warehouse.models import Booking

    waiting = bookings_made() - Booking.objects.count()
    started = time.monotonic()
    call_command("export_bookings", stdout=StringIO(), stderr=StringIO())
    seconds = time.monotonic() - started
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
        f"{rows:,} rows, {waiting:,} log entries waiting when it started (the export process "
        "stopped for the run)",
    )
    if not rows:
        # A partial run that booked nothing has nothing to time: say so, print no figure.
        figures.add(
            "  export_bookings, cold / raw COPY of the same rows into the same table",
            "not measured",
            "no bookings were made in this run (run the booking section with it)",
        )
        return
    copied, copy_seconds = raw_copy_seconds()
    figures.refuse(export_faster_than_copy(rows, seconds, copy_seconds))
    ratio = round((rows / seconds) / (copied / copy_seconds), 2)
    figures.target(
        "  export_bookings, cold / raw COPY of the same rows into the same table",
        f"{ratio:.2f} x",
        met=ratio >= EXPORT_VS_COPY,
        target=f">= {EXPORT_VS_COPY} x",
        note=f"{rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s, Redis read "
        f"included) against {copied:,} in {copy_seconds:.1f} s ({copied / copy_seconds:,.0f} "
        "rows/s, COPY alone, indexes included)",
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


def wait_until_quiet(*, seconds: float = 60) -> None:
    """Waits until no booking has been written for a second: an interrupted wrk leaves
    requests in flight that the web still books, and the invariants are read on a quiet
    store (a booking landing between the read of the counters and of the log would look
    like a broken counter)."""
    deadline = time.monotonic() + seconds
    last = bookings_made()
    while time.monotonic() < deadline:
        time.sleep(1)
        if (now := bookings_made()) == last:
            return
        last = now


def check_invariants(figures: Figures) -> None:
    from vaksin.invariants import store_problems

    wait_until_quiet()
    problems = store_problems()
    figures.problems += problems
    figures.add(
        "Invariants after the run (overbooking, one per person)",
        "hold" if not problems else f"{len(problems)} broken",
    )


SECTIONS = ("booking", "metrics", "wizard", "availability", "national", "replay", "export",
            "waiting-room", "memory", "doses", "pumping")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description="The noon rush, measured side by side.")
    parser.add_argument("--seconds", type=int, default=10, help="per scenario (10)")
    parser.add_argument("--skip-replay", action="store_true", help="leave out the 2021 replay")
    parser.add_argument("--replay-limit", type=int, default=600, help="seconds (600)")
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=SECTIONS,
        help="a partial run of these sections (the national listing, the waiting room and "
        "the memory use Redis databases of their own)",
    )  # fmt: skip
    parser.add_argument("--journeys", type=int, default=400, help="wizard journeys (400)")
    parser.add_argument(
        "--report", type=Path, default=ROOT / "BENCHMARKS.md", help="where the table goes"
    )
    options = parser.parse_args()
    only = set(options.only)
    load_at_start = os.getloadavg()[0]

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
        # The export is timed cold at the end (check_export): nothing copies rows before it.
        stack.stop("export")
        stack.start_edge()
        print("Booking:", flush=True)
        timeline = Timeline(
            trivial=lambda: wrk(
                f"{stack.origin}/bench/trivial", "get", seconds=trivial_seconds(options.seconds)
            )
        )
        if "booking" in only:
            timeline = run_booking_designs(
                stack, figures, seconds=options.seconds, day=day, spread=spread
            )
        if "metrics" in only:
            run_metrics_cost(stack, figures, seconds=options.seconds, spread=spread)
        if "wizard" in only:
            run_wizard_submit(
                stack, figures, seconds=options.seconds, spread=spread, timeline=timeline
            )
            run_journeys(stack, figures, count=options.journeys, spread=spread)
        if "availability" in only or "national" in only:
            print("Availability:", flush=True)
            micro = run_availability(stack, figures, seconds=options.seconds)
            if "national" in only:
                run_national(stack, figures, seconds=options.seconds, small=micro)
        if "replay" in only and not options.skip_replay:
            print("Replay:", flush=True)
            run_replay(
                stack, figures, first=day + datetime.timedelta(days=30), limit=options.replay_limit
            )
        check_invariants(figures)
        check_confirmations(figures)
        if "export" in only:
            check_export(figures)
    if "waiting-room" in only:
        print("Waiting room:", flush=True)
        run_waiting_room(figures, seconds=max(2 * options.seconds, 10))
    if "memory" in only:
        print("Memory:", flush=True)
        run_memory(figures)
    if "pumping" in only:
        print("SMS pumping:", flush=True)
        run_pumping(figures, seconds=max(2 * options.seconds, 10))
    if "doses" in only:
        print("Two doses:", flush=True)
        run_doses(figures, redis_url=environment()["REDIS_URL"])
    write_report(
        figures,
        seconds=options.seconds,
        load_at_start=load_at_start,
        path=options.report,
        partial=sorted(only) if only != set(SECTIONS) else None,
    )
    print(f"Wrote {options.report}")
    for line in summary(figures):
        print(line)
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.exit(main())
