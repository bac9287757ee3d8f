"""A booking script that fails part-way leaves nothing behind: every check precedes every write."""

import pytest
import redis

from devstack.people import booking_request
from registration.services import booking_create
from vaksin.errors import BookingError
from vaksin.store import keys


def snapshot(client: redis.Redis) -> dict[object, object]:
    return {key: client.dump(key) for key in sorted(client.keys("*"))}


@pytest.mark.parametrize("broken_key", [keys.BOOKINGS, keys.BOOKED, keys.METRICS])
def test_a_failing_booking_changes_nothing(make_slot, redis_client, broken_key: str) -> None:
    date = make_slot(location="WTCKL", capacity=5).isoformat()
    booking_create(request=booking_request(1, location="WTCKL", date=date))
    # A key of the wrong type makes a command inside the script fail.
    redis_client.delete(broken_key)
    redis_client.set(broken_key, "not what the script expects")
    before = snapshot(redis_client)

    with pytest.raises(redis.ResponseError):
        booking_create(request=booking_request(2, location="WTCKL", date=date))

    assert snapshot(redis_client) == before


def test_a_person_pointing_at_a_missing_booking_is_refused_and_no_booking_is_written(
    make_slot, redis_client
) -> None:
    """The person's entry may be gone because its personal data was purged after its date
    (purge_personal_data): the person still holds that booking, so they are already registered.
    The booking script cannot tell a purged entry from a lost one in its one round trip; the
    invariant checks do (tests/warehouse/test_purge.py)."""
    date = make_slot(location="WTCKL", capacity=5).isoformat()
    bucket, field = keys.person_key("mykad", booking_request(3, location="", date="").id_number)
    redis_client.hset(bucket, field, 999)
    before = snapshot(redis_client)

    with pytest.raises(BookingError, match="already_registered"):
        booking_create(request=booking_request(3, location="WTCKL", date=date))

    after = snapshot(redis_client)
    counts = (":rate:", keys.METRICS, ":series:")
    assert {k: v for k, v in after.items() if not any(c in str(k) for c in counts)} == before


def test_a_refused_booking_writes_nothing_but_its_attempt_and_operators_counts(
    make_slot, redis_client
) -> None:
    date = make_slot(location="WTCKL", capacity=0).isoformat()
    before = snapshot(redis_client)

    with pytest.raises(BookingError, match="sold_out"):
        booking_create(request=booking_request(4, location="WTCKL", date=date))

    after = snapshot(redis_client)
    counts = (":rate:", keys.METRICS, ":series:")
    assert {k: v for k, v in after.items() if not any(c in str(k) for c in counts)} == before
    assert redis_client.hget(keys.METRICS, "booking:sold_out") == "1"
