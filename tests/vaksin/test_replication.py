"""REDIS_MIN_REPLICAS: a booking is acknowledged only once enough replicas hold it; with no
replica to answer, it is "unavailable" (503), not booked, and the relay sends it nothing. With
REDIS_MIN_REPLICAS=0 (single node) a booking is the one script call it always was."""

import pytest

from devstack.people import booking_request
from registration.services import booking_create
from vaksin.errors import BookingError
from vaksin.store import keys, outbox
from vaksin.store.connection import NotReplicated


def calls(client, command: str) -> int:
    return int(client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def test_a_booking_no_replica_acknowledged_is_not_reported_as_booked(
    settings, make_slot, redis_client
) -> None:
    """This Redis has no replica, so WAIT always comes back short: the booking is on the
    primary's disk but not certain to survive its loss."""
    settings.REDIS_MIN_REPLICAS = 1
    settings.REDIS_WAIT_MS = 20
    day = make_slot(location="WTCKL", capacity=10)
    request = booking_request(1, location="WTCKL", date=day)

    with pytest.raises(BookingError) as refused:
        booking_create(request=request)
    assert refused.value.code == "unavailable"
    assert refused.value.retry_after > 0
    # Sent again it is a repeat of the same booking (no second place taken), still not
    # acknowledged until a replica has it.
    with pytest.raises(BookingError):
        booking_create(request=request)
    assert redis_client.hget(keys.BOOKED, keys.slot_field("WTCKL", day.isoformat())) == "1"

    outbox.outbox_group_create()
    with pytest.raises(NotReplicated):
        outbox.outbox_read(consumer="test", count=10, block_ms=None)
    # Left pending for the relay, which reads it again until the replicas have it.
    with pytest.raises(NotReplicated):
        outbox.outbox_read(consumer="test", count=10, block_ms=None, pending=True)
    settings.REDIS_MIN_REPLICAS = 0
    assert len(outbox.outbox_read(consumer="test", count=10, block_ms=None, pending=True)) == 1


def test_a_single_node_booking_waits_for_no_replica(settings, make_slot, redis_client) -> None:
    settings.REDIS_MIN_REPLICAS = 0
    day = make_slot(location="WTCKL", capacity=10)
    waits = calls(redis_client, "wait")
    assert booking_create(request=booking_request(2, location="WTCKL", date=day)).created
    assert calls(redis_client, "wait") == waits
