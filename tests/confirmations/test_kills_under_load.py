"""kill -9 of the confirmation worker 20 times and of the relay 20 times while people book:
every booking still gets its confirmation, and the backlog drains by itself.

Delivery is at least once (docs/api.md, invariants): a worker killed after the gateway took a
message and before Redis recorded it leaves the message to be sent again, under the same message id
(`<reference>:sms`), by which the gateway de-duplicates it. The worker records its sends in
groups of at most RECORD_EVERY, so each kill can repeat at most one group."""

import threading
import time

import pytest

from confirmations.services import RECORD_EVERY
from devstack.people import booking_request
from devstack.processes import wait_until
from devstack.sms import sends_per_reference, sms_lines
from registration.services import booking_create
from tests.slots import SlotMaker

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS = 20


def test_every_booking_is_confirmed_once_through_20_kills_of_the_worker_and_of_the_relay(
    make_slot: SlotMaker, confirmation_stack
) -> None:
    day = make_slot(capacity=100_000)
    stack = confirmation_stack(CONFIRMATION_MAINTENANCE_SECONDS="2", CONFIRMATION_JOB_TIMEOUT="6")
    relay, worker = stack.relay(), stack.worker()
    references: list[str] = []
    stopping = threading.Event()

    def keep_booking(first: int) -> None:
        i = first
        while not stopping.is_set():
            references.append(
                booking_create(request=booking_request(i, location="WTCKL", date=day)).reference
            )
            i += 2
            time.sleep(0.02)

    load = [threading.Thread(target=keep_booking, args=(n,)) for n in range(2)]
    for thread in load:
        thread.start()

    def working() -> bool:
        """Whether confirmations go out again: the process started last has done its part."""
        sent = len(sms_lines(stack.sms_path))
        return wait_until(lambda: len(sms_lines(stack.sms_path)) > sent + 5, seconds=60)

    try:
        for _ in range(KILLS):
            assert working()
            stack.kill(worker)
            worker = stack.worker()
            assert working()
            stack.kill(relay)
            relay = stack.relay()
        last_kill = time.monotonic()
        time.sleep(2)
    finally:
        stopping.set()
        for thread in load:
            thread.join()
    load_stopped = time.monotonic()

    everything = set(references)
    drained = wait_until(
        lambda: set(sends_per_reference(stack.sms_path)) >= everything, seconds=180, step=0.2
    )
    caught_up = time.monotonic()
    sends = sends_per_reference(stack.sms_path)
    twice = [reference for reference, count in sends.items() if count > 1]
    print(
        f"\n{KILLS} kills of the worker and {KILLS} of the relay under load: "
        f"{len(references)} bookings, {len(sends)} confirmed, "
        f"{len(twice)} twice (same message id); the backlog drained "
        f"{caught_up - load_stopped:.1f} s after the load stopped "
        f"({caught_up - last_kill:.1f} s after the last kill)"
    )
    assert drained
    assert set(sends) == everything
    assert len(twice) <= KILLS * RECORD_EVERY and all(sends[reference] == 2 for reference in twice)
    assert len(sms_lines(stack.sms_path)) == len(references) + len(twice)
    assert relay.poll() is None and worker.poll() is None
