"""Many clients at once against one slot: exactly `capacity` of them get a place.

The control runs the same race through the 2021 designs; it must see them oversell, or this
test could not see an oversell at all.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings

from bench import rivals
from devstack.people import booking_request
from registration.services import booking_create
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import keys, slots

CLIENTS = 64


def race(book_one: Callable[[int], bool], *, people: int) -> int:
    """CLIENTS threads, released together, book `people` distinct people; returns successes."""
    barrier = threading.Barrier(CLIENTS)

    def client(first: int) -> int:
        barrier.wait()
        return sum(book_one(i) for i in range(first, people, CLIENTS))

    with ThreadPoolExecutor(CLIENTS) as pool:
        return sum(pool.map(client, range(CLIENTS)))


def vaksin_booker(location: str, date: str, round_number: int) -> Callable[[int], bool]:
    def book_one(i: int) -> bool:
        try:
            booking_create(
                request=booking_request(round_number * 100_000 + i, location=location, date=date)
            )
        except BookingError as error:
            assert error.code == "sold_out"
            return False
        return True

    return book_one


@pytest.mark.parametrize(("capacity", "rounds"), [(1, 20), (7, 10), (64, 5), (1000, 2)])
def test_exactly_capacity_people_get_a_place_however_many_race_for_it(
    make_slot, capacity: int, rounds: int
) -> None:
    for round_number in range(rounds):
        location = f"R{round_number}"
        date = make_slot(location=location, capacity=capacity).isoformat()
        people = 2 * capacity + CLIENTS

        successes = race(vaksin_booker(location, date, round_number), people=people)

        found = slots.read_slots()
        capacities, booked = found.capacity, found.booked
        slot = keys.slot_field(location, date)
        assert successes == capacity
        assert int(booked[slot]) == capacity
        assert int(capacities[slot]) - int(booked[slot]) == 0
    assert store_problems() == []


def rival_oversold(design: Callable[..., bool], client: redis.Redis, *, capacity: int) -> bool:
    """True when the rival design told more people yes than there were places."""
    counter, bookings = "control:available", "control:bookings"
    client.set(counter, capacity)
    client.delete(bookings)
    successes = race(
        lambda i: design(client, counter=counter, bookings=bookings, person=str(i)),
        people=2 * capacity + CLIENTS,
    )
    return successes > capacity or int(client.get(counter) or 0) < 0


@pytest.fixture
def plain_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.mark.parametrize(
    "design", [rivals.check_then_decrement, rivals.watch_multi_2021], ids=lambda d: d.__name__
)
def test_control_the_same_race_sees_the_2021_designs_oversell(design, plain_client) -> None:
    # Any one round may by chance interleave cleanly; over several, an oversell must show.
    assert any(rival_oversold(design, plain_client, capacity=c) for c in [7, 64, 64, 500, 500])


def test_control_the_2021_algorithm_with_retries_does_not_oversell(plain_client) -> None:
    assert not rival_oversold(rivals.watch_multi_with_retries, plain_client, capacity=64)
