"""GET /api/availability and the micro-cache behind it."""

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.test import Client

from availability.cache import MicroCache, Rendered
from availability.selectors import LISTING, LISTING_CACHE_CONTROL
from vaksin import store
from vaksin.store import keys


def test_the_listing_has_the_shape_of_the_spec(client: Client, make_slot) -> None:
    day = make_slot(location="WTCKL", capacity=7000, name="World Trade Centre Kuala Lumpur (WTCKL)")
    response = client.get("/api/availability")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == (
        "public, max-age=1, s-maxage=1, stale-while-revalidate=5, stale-if-error=600"
    )
    body = response.json()
    assert set(body) == {"as_of", "states"}
    assert body["states"] == [
        {
            "code": "MY-14",
            "name": "W.P. Kuala Lumpur",
            "locations": [
                {
                    "id": "WTCKL",
                    "name": "World Trade Centre Kuala Lumpur (WTCKL)",
                    "slots": [{"date": day.isoformat(), "capacity": 7000, "available": 7000}],
                }
            ],
        }
    ]


def test_a_state_filter_returns_only_that_state(client: Client, make_slot):
    make_slot(location="WTCKL", state="MY-14")
    make_slot(location="IDCC", state="MY-10")
    states = client.get("/api/availability?state=MY-10").json()["states"]
    assert [state["code"] for state in states] == ["MY-10"]
    assert client.get("/api/availability?state=my-14").json()["states"][0]["code"] == "MY-14"
    assert client.get("/api/availability?state=XX").json()["states"] == []


def test_a_hit_is_served_from_the_copy_until_it_expires(client: Client, make_slot, redis_client):
    day = make_slot(capacity=5)
    assert (
        client.get("/api/availability").json()["states"][0]["locations"][0]["slots"][0]["available"]
        == 5
    )
    redis_client.hset(keys.BOOKED, f"WTCKL|{day.isoformat()}", 2)
    cached = client.get("/api/availability")
    assert cached.json()["states"][0]["locations"][0]["slots"][0]["available"] == 5
    assert int(cached["Age"]) <= 1
    time.sleep(1.1)
    fresh = client.get("/api/availability").json()
    assert fresh["states"][0]["locations"][0]["slots"][0]["available"] == 3


def test_other_methods_are_refused(client: Client):
    assert client.post("/api/availability").status_code == 405
    assert client.head("/api/availability").status_code == 200


def _rendered(counter: list[int], lock: threading.Lock) -> Rendered:
    with lock:
        counter[0] += 1
    time.sleep(0.05)  # a recomputation that takes a while, as under load
    return Rendered(b'{"as_of": "now"}', "application/json", "public, max-age=1")


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "stale-copies-held"])
def test_many_concurrent_requests_at_expiry_cause_one_recomputation(warm: bool) -> None:
    """Eight caches of one name stand for eight worker processes sharing Redis; eight threads
    each hit them at the same moment, right when the shared copy has expired."""
    workers = [MicroCache("stampede", ttl=0.5) for _ in range(8)]
    counter, lock = [0], threading.Lock()
    if warm:
        for worker in workers:
            worker.fetch("", lambda: _rendered(counter, lock))
        time.sleep(0.6)  # every worker now holds an expired copy
        counter[0] = 0
    start = threading.Barrier(64)

    def hit(worker: MicroCache) -> bytes:
        start.wait()
        return worker.fetch("", lambda: _rendered(counter, lock)).rendered.body

    with ThreadPoolExecutor(64) as pool:
        bodies = list(pool.map(hit, [w for w in workers for _ in range(8)]))
    assert counter[0] == 1
    assert set(bodies) == {b'{"as_of": "now"}'}


def test_a_dead_redis_leaves_the_last_copy_in_service(redis_client) -> None:
    cache = MicroCache("outage", ttl=0.2)
    counter, lock = [0], threading.Lock()
    first = cache.fetch("", lambda: _rendered(counter, lock))
    time.sleep(0.3)
    real = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    store.client.cache_clear()
    try:
        served = cache.fetch("", lambda: _rendered(counter, lock))
    finally:
        settings.REDIS_URL = real
        store.client.cache_clear()
    assert served.rendered == first.rendered
    assert counter[0] == 1


def test_the_api_answers_503_when_redis_is_down_and_nothing_is_cached(client: Client):
    LISTING.clear()
    real = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    store.client.cache_clear()
    try:
        response = client.get("/api/availability")
    finally:
        settings.REDIS_URL = real
        store.client.cache_clear()
    assert response.status_code == 503
    assert response.json() == {"error": "unavailable"}
    assert response["Retry-After"]


@pytest.mark.slow
def test_real_workers_under_a_burst_at_expiry_all_answer_from_one_copy(
    site: str, make_slot
) -> None:
    make_slot(capacity=100)
    url = f"{site}/api/availability"

    def get(_: int) -> tuple[int, str, bytes]:
        with urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.headers["Cache-Control"], response.read()

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(get, range(32)))
        time.sleep(1.05)
        answers = list(pool.map(get, range(200)))
    assert {status for status, _, _ in answers} == {200}
    assert {control for _, control, _ in answers} == {LISTING_CACHE_CONTROL}
    # One recomputation per second: at most two distinct copies within ~1 s of requests.
    assert len({body for _, _, body in answers}) <= 2


def test_the_listing_is_sent_gzipped_to_clients_that_accept_it(client: Client, make_slot):
    for number in range(40):  # a listing well over the size worth compressing
        make_slot(location=f"C{number:02d}")
    plain = client.get("/api/availability")
    zipped = client.get("/api/availability", headers={"Accept-Encoding": "br, gzip;q=0.8"})
    refused = client.get("/api/availability", headers={"Accept-Encoding": "gzip;q=0, br"})

    assert "Content-Encoding" not in plain and "Content-Encoding" not in refused
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content == refused.content
    assert len(zipped.content) < len(plain.content) / 3
    assert "Accept-Encoding" in zipped["Vary"]


def test_a_centre_is_named_with_its_code_once(db) -> None:
    from availability.models import Centre

    named = Centre(id="WTCKL", name="World Trade Centre Kuala Lumpur (WTCKL)", state="MY-14")
    plain = Centre(id="AXIATA", name="Axiata Arena", state="MY-14")
    assert str(named) == "World Trade Centre Kuala Lumpur (WTCKL)"
    assert str(plain) == "Axiata Arena (AXIATA)"
