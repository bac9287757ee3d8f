"""kill -9 of the Redis primary under load: the Sentinels promote a replica, bookings resume by
themselves, and every booking acknowledged before the kill is on the new primary.

The guarantee comes from WAIT (REDIS_MIN_REPLICAS=1): a booking is acknowledged only once a
replica holds it. Each test has a control without WAIT.

- A plain kill: on one machine a replica is microseconds behind, because Redis writes a reply
  and the replication stream in the same pass of its event loop and the kernel delivers to
  the replica what the primary wrote before it died. So the control nearly always loses
  nothing, and it only reports what it lost (before the stack waited for its replicas to catch up,
  a replica still taking in its first copy was promoted once and all 541 were lost).
- The replicas cut off, then the primary killed: what a replica that lags over a real network
  looks like at the moment the primary's machine dies. The replicas lose their link (the
  primary drops them and turns their user off, so they cannot come back) while clients still
  reach the primary; 0.3 s later the primary dies. Both variants run with
  min-replicas-to-write off, to show what WAIT alone does; in production that setting is the
  second guard (a primary with no replica refuses writes at once). Without WAIT every booking
  acknowledged in those 0.3 s is lost; with WAIT none was acknowledged.
"""

import time

import pytest

from devstack.ha_config import REPLICA_USER
from devstack.processes import wait_until
from tests.ha.conftest import Clients, point_at
from vaksin import store
from vaksin.invariants import store_problems

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def failover_under_load(settings, make_slot, ha_stack, *, wait: bool, cut_off: bool):
    stack = ha_stack(min_replicas=1 if wait else 0)
    stack.start_stores()
    point_at(settings, stack)
    date = make_slot(location="WTCKL", capacity=1_000_000).isoformat()
    stack.wait_replicated()
    first_primary = stack.primary_port()
    assert first_primary == stack.ports.redis[0]
    primary = stack.node(first_primary)
    if cut_off:
        for port in stack.ports.redis:
            stack.node(port).config_set("min-replicas-to-write", 0)

    clients = Clients(date=date).start()
    try:
        assert wait_until(lambda: len(clients.acknowledged) > 500, seconds=30)
        cut_at = time.monotonic()
        if cut_off:
            primary.acl_setuser(REPLICA_USER, enabled=False)
            primary.client_kill_filter(_type="replica")
            time.sleep(0.3)
        stack.kill(f"redis-{first_primary}")
        killed_at = time.monotonic()
        resumed = wait_until(lambda: bool(clients.since(killed_at + 0.1)), seconds=15)
        time.sleep(1.0)
    finally:
        clients.stop()

    new_primary = stack.primary_port()
    store.client.cache_clear()
    acknowledged = clients.before(killed_at)
    lost = clients.lost(acknowledged)
    after = [at for at, _, _ in clients.since(killed_at + 0.1)]
    while_cut = len(clients.before(killed_at)) - len(clients.before(cut_at))
    print(
        f"\nfailover ({'WAIT for 1 replica' if wait else 'no WAIT'}"
        f"{', replicas cut off 0.3 s before' if cut_off else ''}): primary {first_primary} -> "
        f"{new_primary}; {len(acknowledged)} acknowledged before the kill"
        f"{f' ({while_cut} while the replicas were cut off)' if cut_off else ''}, "
        f"{len(lost)} lost; {len(clients.refused)} answers 'unavailable' meanwhile"
        f"{f', refusals {dict(clients.surprises)}' if clients.surprises else ''}; bookings "
        f"resumed {f'{min(after) - killed_at:.1f} s' if after else 'never'} after the kill, "
        f"{len(after)} acknowledged since"
    )
    assert new_primary not in (None, first_primary)
    if not resumed:
        print(stack.diagnosis())
    return stack, resumed, lost, clients


@pytest.mark.parametrize("wait", [True, False], ids=["wait", "control-without-wait"])
def test_a_failover_under_load_loses_no_acknowledged_booking(
    settings, make_slot, ha_stack, wait: bool
) -> None:
    stack, resumed, lost, clients = failover_under_load(
        settings, make_slot, ha_stack, wait=wait, cut_off=False
    )
    assert resumed, stack.diagnosis()
    if wait:
        assert lost == []
        assert not clients.surprises
        assert store_problems() == []


@pytest.mark.parametrize("wait", [True, False], ids=["wait", "control-without-wait"])
def test_bookings_made_while_the_replicas_are_cut_off_are_acknowledged_only_with_wait(
    settings, make_slot, ha_stack, wait: bool
) -> None:
    stack, resumed, lost, _ = failover_under_load(
        settings, make_slot, ha_stack, wait=wait, cut_off=True
    )
    assert resumed, stack.diagnosis()
    if wait:
        assert lost == []
        assert store_problems() == []
    else:
        assert lost, "without WAIT the bookings acknowledged while cut off must be lost"
