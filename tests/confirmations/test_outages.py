"""The relay and the confirmation worker outlive a Redis outage: they wait, reconnect and go on,
and every booking made before and after the outage gets its confirmation."""

import time
from pathlib import Path

import pytest

from devstack.people import booking_request
from devstack.processes import free_port, wait_until
from devstack.sms import sends_per_reference
from registration.services import booking_create
from tests.vaksin.test_durability import start_redis


@pytest.mark.e2e
@pytest.mark.slow
def test_relay_and_worker_wait_out_a_redis_restart(
    settings, tmp_path: Path, make_slot, confirmation_stack
) -> None:
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    redis_server = start_redis(port, data, appendonly="yes")
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    day = make_slot(capacity=100)
    stack = confirmation_stack(CONFIRMATION_MAINTENANCE_SECONDS="2")
    relay, worker = stack.relay(), stack.worker()
    before = [booking_create(request=booking_request(i, location="WTCKL", date=day)).reference
              for i in range(5)]  # fmt: skip
    assert wait_until(lambda: set(sends_per_reference(stack.sms_path)) >= set(before), seconds=30)

    redis_server.kill()
    redis_server.wait()
    time.sleep(3)  # both find Redis gone: a blocked read, a dequeue
    redis_server = start_redis(port, data, appendonly="yes")
    try:
        after = [booking_create(request=booking_request(i, location="WTCKL", date=day)).reference
                 for i in range(5, 10)]  # fmt: skip

        assert wait_until(
            lambda: set(sends_per_reference(stack.sms_path)) >= set(before + after), seconds=60
        )
        assert relay.poll() is None and worker.poll() is None
    finally:
        redis_server.kill()
        redis_server.wait()
