"""The relay and the confirmation worker outlive a Redis that refuses writes for want of
replicas (NOREPLICAS: a primary just restarted or promoted, before its replica is back): they
wait, and carry on once it takes writes again. RQ's own worker exited on the first refusal."""

import pytest
import redis

from devstack.people import booking_request
from devstack.processes import wait_until
from devstack.sms import sends_per_reference
from registration.services import booking_create

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_relay_and_worker_wait_out_a_primary_that_refuses_writes(
    make_slot, confirmation_stack, redis_client: redis.Redis
) -> None:
    day = make_slot(capacity=100)
    stack = confirmation_stack(CONFIRMATION_MAINTENANCE_SECONDS="2")
    relay, worker = stack.relay(), stack.worker()
    first = booking_create(request=booking_request(1, location="WTCKL", date=day)).reference
    assert wait_until(lambda: first in sends_per_reference(stack.sms_path), seconds=30)

    redis_client.config_set("min-replicas-to-write", 1)  # this Redis has none: every write fails
    try:
        died = wait_until(lambda: relay.poll() is not None or worker.poll() is not None, seconds=8)
        if died:
            pytest.fail("\n".join(log.read_text()[-4000:] for log in stack.tmp_path.glob("*.log")))
    finally:
        redis_client.config_set("min-replicas-to-write", 0)
    second = booking_create(request=booking_request(2, location="WTCKL", date=day)).reference

    assert wait_until(lambda: second in sends_per_reference(stack.sms_path), seconds=60)
    assert relay.poll() is None and worker.poll() is None
