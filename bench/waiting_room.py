"""The waiting room at noon, measured on loopback: 100,000 tickets taken before the opening,
2,000 pollers at the nginx edge, admission at a set rate, and people who book as soon as their
turn comes.

- Before the opening, at the origin, side by side: the trivial view, the shared part every
  poller reads (GET /api/queue) and a waiting phone's own poll (POST /api/queue, one script).
- From the opening: wrk holds 2,000 connections on GET /api/queue at the edge while bookers
  take each place the moment admission reaches it (POST /api/queue, then POST /api/bookings);
  the origin's booking rate is compared with the admission rate, and the edge's origin
  requests for the shared part are counted.
- Afterwards: every admitted place booked once, in the order the revealed seed gives.

    .venv/bin/python -m bench.waiting_room [--tickets 100000] [--rate 100] [--seconds 20]
"""

import argparse
import datetime
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import django

from bench.load import LoadResult, command, parse, wrk
from bench.report import Figures, latency, rate
from bench.stack import BENCH_PHONE, RUN, environment, prepare_database, running_stack
from devstack.environment import with_database
from devstack.stack import Stack
from devstack.starters import procfile

TICKETS = 100_000
POLLERS = 2_000
# Each poller looks once a second: a waiting page refreshes every 5 to 30 s, an app may poll
# more often; 2,000 a second is the busier of the two.
POLL_RATE = 2_000
RATE = 100
REDIS_DB = 9
# Within this share of the set rate, the origin books at the rate admission lets people in.
RATE_TOLERANCE = 0.10
POLL_VS_TRIVIAL = 0.9
EDGE_ORIGIN_PER_SECOND = 1.0
# Enough people booking at once that the bookers keep up with admission on two shared cores.
BOOKERS = 48
BATCH = 2_000


def _phone(i: int) -> str:
    return f"+6011{i:08d}"


def take_tickets(phones: list[str], *, opening_ms: int) -> float:
    """Every phone takes its ticket before the opening, through the waiting room's own script,
    pipelined; returns the seconds it took."""
    from vaksin.store import keys
    from vaksin.store.connection import client, script
    from waiting_room.services import pass_ms

    started = time.monotonic()
    room = script("waiting_room/queue")
    for start in range(0, len(phones), BATCH):
        pipe = client().pipeline(transaction=False)
        for phone in phones[start : start + BATCH]:
            bucket, field = keys.ticket_key(phone)
            room(
                keys=[keys.QUEUE, keys.QUEUE_STEPS, keys.QUEUE_USED, bucket, "", keys.QUEUE_LOG],
                args=["join", field, opening_ms, pass_ms(), RATE, keys.bucketed_name(bucket, field),
                      1, 5000, ""],
                client=pipe,
            )  # fmt: skip
        pipe.execute()
    return time.monotonic() - started


def _post(url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=data,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Bookers:
    """People who book the moment their place is admitted: they watch how far admission has
    reached, then ask for their place (POST /api/queue) and book (POST /api/bookings)."""

    def __init__(self, origin: str, phone_of_place: list[str], slots: list[str]) -> None:
        self.origin, self.phone_of_place, self.slots = origin, phone_of_place, slots
        self.places: queue.Queue[int | None] = queue.Queue()
        self.statuses: Counter[str] = Counter()
        self.booked_at: list[float] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._book) for _ in range(BOOKERS)]
        self.threads.append(threading.Thread(target=self._watch))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for _ in range(BOOKERS):
            self.places.put(None)
        for thread in self.threads:
            thread.join()

    def _watch(self) -> None:
        from vaksin.store import client, keys

        seen = 0
        while not self.stopping.is_set():
            through = int(client().hget(keys.QUEUE, "through") or 0)
            for place in range(seen + 1, min(through, len(self.phone_of_place)) + 1):
                self.places.put(place)
            seen = max(seen, through)
            time.sleep(0.02)

    def _book(self) -> None:
        from devstack.people import mykad
        from phones.services import phone_token

        while (place := self.places.get()) is not None:
            phone = self.phone_of_place[place - 1]
            token = phone_token(phone).token
            status, standing = _post(f"{self.origin}/api/queue", token)
            if status != 200 or not standing.get("admitted"):
                self._count(f"queue {status} admitted={standing.get('admitted')}")
                continue
            location, date = self.slots[place % len(self.slots)].split("|")
            body = {"id_type": "mykad", "id_number": mykad(10**7 + place), "name": "Menunggu",
                    "email": None, "location": location, "date": date}  # fmt: skip
            status, _ = _post(f"{self.origin}/api/bookings", token, body)
            self._count(str(status))
            if status == 201:
                with self.lock:
                    self.booked_at.append(time.monotonic())

    def _count(self, what: str) -> None:
        with self.lock:
            self.statuses[what] += 1


def _start_web(stack: Stack, env: dict[str, str]) -> None:
    from devstack.processes import wait_for

    stack.spawn("web", procfile()["web"], env | {"PORT": str(stack.origin_port)})
    wait_for(f"{stack.origin}/healthz", process=stack.processes["web"])


def _side_by_side(stack: Stack, figures: Figures, *, seconds: int) -> None:
    """The origin's poll endpoints beside the trivial view, in turn (A B C A B C)."""
    runs: dict[str, list[LoadResult]] = {"trivial": [], "shared": [], "own": []}
    for _ in range(2):
        runs["trivial"].append(wrk(f"{stack.origin}/bench/trivial", "get", seconds=seconds))
        runs["shared"].append(wrk(f"{stack.origin}/api/queue", "get", seconds=seconds))
        runs["own"].append(wrk(f"{stack.origin}/api/queue", "post", seconds=seconds))
    best = {name: max(results, key=lambda r: r.per_second) for name, results in runs.items()}
    trivial = best["trivial"]
    shared_ratio = best["shared"].per_second / trivial.per_second
    figures.add(
        "Trivial Django JSON view, beside the waiting room", rate(trivial), latency(trivial)
    )
    figures.target(
        "GET /api/queue at the origin (the shared part)",
        rate(best["shared"]),
        met=shared_ratio >= POLL_VS_TRIVIAL,
        target=f">= {POLL_VS_TRIVIAL} x trivial",
        note=f"{latency(best['shared'])}; {shared_ratio:.2f} x trivial",
    )
    figures.add(
        "  POST /api/queue at the origin (a phone's own place)",
        rate(best["own"]),
        f"{latency(best['own'])}; {best['own'].per_second / trivial.per_second:.2f} x trivial; "
        "one script, O(1)",
    )
    for name, statuses in (("shared", {200}), ("own", {200}), ("trivial", {200})):
        for result in runs[name]:
            figures.expect(f"waiting room {name}", result, statuses)


def run_waiting_room(
    figures: Figures, *, tickets: int = TICKETS, rate_per_second: int = RATE, seconds: int = 20
) -> None:
    from django.core.management import call_command
    from django.test import override_settings

    from vaksin import store
    from vaksin.store import keys
    from vaksin.store.queue import queue_commit, queue_reveal, seed_commitment
    from waiting_room.draw import draw_key, drawn_order

    base_env = environment(redis_db=REDIS_DB)
    redis_url = with_database(base_env["REDIS_URL"], str(REDIS_DB))
    now = datetime.datetime.now(datetime.UTC)
    lead = 30 + tickets // 5_000  # time to take the tickets and to measure the origin first
    opening = now + datetime.timedelta(seconds=lead)
    room_opens = now - datetime.timedelta(hours=1)
    env = base_env | {
        "REDIS_URL": redis_url,
        "WAITING_ROOM_OPENS_AT": room_opens.isoformat(),
        "REGISTRATION_OPENS_AT": opening.isoformat(),
        "VERIFICATION_OPENS_AT": room_opens.isoformat(),
        "WAITING_ROOM_RATE": str(rate_per_second),
        "PHONE_BOOKING_LIMIT": "4",
    }
    with override_settings(
        REDIS_URL=redis_url,
        WAITING_ROOM_OPENS_AT=room_opens,
        REGISTRATION_OPENS_AT=opening,
        WAITING_ROOM_RATE=rate_per_second,
    ):
        store.client().flushdb()
        call_command("seed_slots", "--demo", "--days", "7", "--capacity", "100000", "-v", "0")
        day = datetime.date.today() + datetime.timedelta(days=1)
        slots = [f"WTCKL|{day + datetime.timedelta(days=n)}" for n in range(7)]
        phones = [_phone(i) for i in range(tickets)]
        seed = os.urandom(32).hex()  # operators' seed: only its SHA-256 goes to Redis now
        queue_commit(seed_commitment(seed))
        took = take_tickets(phones, opening_ms=int(opening.timestamp() * 1000))
        figures.add(
            f"  {tickets:,} tickets taken before the opening", f"{tickets / took:,.0f}/s",
            "the waiting room's script, pipelined",
        )  # fmt: skip

        with running_stack() as stack:
            _start_web(stack, env)
            stack.start_edge()
            _side_by_side(stack, figures, seconds=3)
            if datetime.datetime.now(datetime.UTC) >= opening:
                figures.problems.append("waiting room: the opening passed before the run began")
                return
            # The bench phone polled in the side-by-side run: one ticket more, in the draw too.
            phone_of_ticket = [*phones, BENCH_PHONE]
            time.sleep((opening - datetime.datetime.now(datetime.UTC)).total_seconds() + 0.2)
            pollers = subprocess.Popen(
                command(f"{stack.edge}/api/queue", "poll", str(POLL_RATE), "2",
                        seconds=seconds + 4, connections=POLLERS, threads=2),
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            # The draw exists from the first step after the opening: the order of every place.
            from vaksin.store.queue import queue_step
            from waiting_room.services import room_rules

            queue_step(room_rules(), action="tick")  # the first step freezes the draw
            if not queue_reveal(seed):  # as operators do at the opening
                figures.problems.append("waiting room: the seed committed to was not revealed")
                return
            # The draw's key takes the chain's head at the drawn tickets, which the reveal
            # advanced the chain to: read after it (before, it may not be known yet).
            reading = queue_step(room_rules(), action="tick")
            order = drawn_order(draw_key(seed, reading.drawn_head), reading.drawn or 0)
            phone_of_place = [phone_of_ticket[ticket - 1] for ticket in order]
            bookers = Bookers(stack.origin, phone_of_place, slots)
            bookers.start()
            time.sleep(2)  # admission and the bookers settle into their pace
            hits = RUN / "queue-origin-hits.log"
            through_before = int(store.client().hget(keys.QUEUE, "through") or 0)
            window_start, booked_before = time.monotonic(), len(bookers.booked_at)
            hits_before = len(hits.read_text().splitlines()) if hits.exists() else 0
            time.sleep(seconds)
            window = time.monotonic() - window_start
            booked = len(bookers.booked_at) - booked_before
            admitted = int(store.client().hget(keys.QUEUE, "through") or 0) - through_before
            origin_hits = len(hits.read_text().splitlines()) - hits_before
            bookers.stop()
            poll_result = parse(pollers.communicate(timeout=60)[0])

        booking_rate = booked / window
        share = booking_rate / rate_per_second
        figures.add(
            f"  {POLLERS:,} pollers on GET /api/queue at the nginx edge, {POLL_RATE:,}/s asked",
            rate(poll_result),
            latency(poll_result),
        )
        figures.expect("waiting room pollers at the edge", poll_result, {200})
        figures.target(
            "  origin requests per second for the shared part, behind the edge",
            f"{origin_hits / window:.2f}/s",
            met=origin_hits / window <= EDGE_ORIGIN_PER_SECOND,
            target=f"<= {EDGE_ORIGIN_PER_SECOND:.0f}/s",
            note=f"{origin_hits} in {window:.0f} s",
        )
        figures.target(
            f"  bookings at the origin, admission at {rate_per_second}/s",
            f"{booking_rate:,.1f}/s",
            met=abs(share - 1) <= RATE_TOLERANCE,
            target=f"within {RATE_TOLERANCE:.0%} of the rate",
            note=f"{share:.2f} x the admission rate ({admitted / window:,.1f} admitted a "
            "second in the same window); bookers' answers: "
            + ", ".join(f"{what} x{count:,}" for what, count in sorted(bookers.statuses.items())),
        )
        unexpected = {what: n for what, n in bookers.statuses.items() if what != "201"}
        if unexpected:
            figures.problems.append(f"waiting room bookers: unexpected answers {unexpected}")
        check = _verify_draw()
        figures.add("  waiting_room_draw --verify after the run", check)
        if not check.startswith("ok"):
            figures.problems.append(f"waiting room draw: {check}")


def _verify_draw() -> str:
    from vaksin.store.queue import queue_seed
    from waiting_room.services import queue_reading
    from waiting_room.verify import draw_verify

    result = draw_verify(seed=queue_seed() or "", reading=queue_reading())
    if result.ok:
        return f"ok: {result.checked:,} places as the seed gives"
    return "; ".join(result.problems[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description="The waiting room at noon, measured.")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--rate", type=int, default=RATE, help="admissions a second")
    parser.add_argument("--seconds", type=int, default=20, help="measured window")
    options = parser.parse_args()
    os.environ.update(environment(redis_db=REDIS_DB))
    prepare_database()
    django.setup()
    figures = Figures()
    print("Waiting room:", flush=True)
    run_waiting_room(
        figures, tickets=options.tickets, rate_per_second=options.rate, seconds=options.seconds
    )
    for problem in figures.problems + figures.missed:
        print(problem)
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.exit(main())
