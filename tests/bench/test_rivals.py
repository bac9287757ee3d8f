"""The 2021 rival does the 2021 job: the person's record is written in the transaction that
takes the place, so the bench compares equal work."""

import pytest
import redis
from django.conf import settings

from bench import rivals


@pytest.fixture
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)


@pytest.mark.parametrize("design", [rivals.watch_multi_2021, rivals.watch_multi_with_retries])
def test_the_2021_design_writes_the_persons_record_with_the_place(design, client) -> None:
    client.set("slot", 2)
    record = {"name": "Siti Aminah", "location": "WTCKL", "date": "2021-05-28"}

    assert design(client, counter="slot", bookings="user", person="900101145678", record=record)

    assert client.hgetall("user:900101145678") == record
    assert client.get("slot") == "1"


@pytest.mark.parametrize("design", [rivals.watch_multi_2021, rivals.watch_multi_with_retries])
def test_the_2021_design_writes_nothing_for_a_full_slot(design, client) -> None:
    client.set("slot", 0)

    assert not design(client, counter="slot", bookings="user", person="900101145678")

    assert not client.exists("user:900101145678")
    assert client.get("slot") == "0"
