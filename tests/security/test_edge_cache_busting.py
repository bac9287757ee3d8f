"""A crowd of cache-busters against the two cached endpoints, /api/availability and the waiting
room's shared GET /api/queue: every request with a query string (?cb=N) or an Accept-Encoding
of its own. Each copy is keyed only by what the endpoint reads (docs/api.md 3.3, 3.7), in the
micro-cache of each web process and at the nginx edge (deploy/nginx/edge.conf), so the crowd
costs the origin one computation, and one request, per copy's lifetime; the known parameters
still get their own answers."""

import datetime
import gzip
import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from availability import views as availability_views
from availability.selectors import LISTING
from devstack.edge import edge_log_problems, prepare_edge
from devstack.processes import free_port, start_process, stop_process, wait_for
from tests.slots import SlotMaker
from waiting_room import api as queue_views
from waiting_room.services import PUBLIC

CROWD = 300


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Replaces module.name by a wrapper that counts its calls; returns the count's list."""
    calls: list[int] = []
    real = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def codes(answer: Any) -> list[str]:
    return [state["code"] for state in answer["states"]]


@pytest.fixture
def centres(make_slot: SlotMaker, tomorrow: datetime.date) -> None:
    """Two centres in two states, ten dates each: a listing over 512 bytes, so gzip applies."""
    for days in range(10):
        date = tomorrow + datetime.timedelta(days=days)
        make_slot(location="WTCKL", state="MY-14", date=date)
        make_slot(location="IDCC", state="MY-10", date=date)


# --- The micro-cache of a web process ------------------------------------------------------


def test_made_up_parameters_share_the_listings_one_computation(
    client: Client, centres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LISTING, "ttl", 60.0)  # the whole crowd within one copy's lifetime
    listings = counting(monkeypatch, availability_views, "availability_listing_rendered")
    narrowed = counting(monkeypatch, availability_views, "availability_for_state")

    bodies = {client.get(f"/api/availability?cb={i}").content for i in range(CROWD)}
    assert len(listings) == 1
    assert len(bodies) == 1
    assert codes(json.loads(bodies.pop())) == ["MY-10", "MY-14"]

    states = [
        codes(client.get(f"/api/availability?cb={i}&state={'my-14' if i % 2 else 'MY-10'}").json())
        for i in range(CROWD)
    ]
    assert states == [["MY-14"] if i % 2 else ["MY-10"] for i in range(CROWD)]
    assert len(narrowed) == 2  # one per known state
    assert codes(client.get("/api/availability?state=MY-99&cb=1").json()) == []
    assert codes(client.get("/api/availability?cb=2&state=").json()) == []
    assert len(listings) == 1


def test_made_up_parameters_share_the_queues_one_computation(
    client: Client, room: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    room(opens_in=-60)
    monkeypatch.setattr(PUBLIC, "ttl", 60.0)
    computed = counting(monkeypatch, queue_views, "queue_public")
    bodies = {client.get(f"/api/queue?cb={i}&state=MY-14").content for i in range(CROWD)}
    assert len(computed) == 1
    assert len(bodies) == 1


# --- The nginx edge of deploy/nginx/edge.conf in front of a real gunicorn --------------------


class Edge:
    def __init__(self, base: str, access_log: Path) -> None:
        self.base = base
        self.access_log = access_log

    def get(self, path: str, encoding: str | None = None) -> tuple[dict[str, str], bytes]:
        headers = {"Accept-Encoding": encoding} if encoding is not None else {}
        request = urllib.request.Request(f"{self.base}{path}", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return dict(answer.headers), answer.read()

    def origin_hits(self, path: str) -> int:
        """GET requests for `path` the origin's gunicorn logged, whatever their query string."""
        line = re.compile(rf'"GET {re.escape(path)}(\?\S*)? HTTP/')
        return sum(1 for text in self.access_log.read_text().splitlines() if line.search(text))

    def crowd(self, path: str, *, seconds: float = 1.0) -> tuple[float, list[bytes]]:
        """CROWD cache-busters spread over `seconds`, each with its own query string and its own
        Accept-Encoding (every one of them asking for gzip); returns how long they took and
        the bodies they got, unzipped."""
        start = time.monotonic()

        def one(i: int) -> bytes:
            time.sleep(max(start + i * seconds / CROWD - time.monotonic(), 0))
            joiner = "&" if "?" in path else "?"
            headers, body = self.get(f"{path}{joiner}cb={i}", f"gzip, x-bust-{i}")
            return gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body

        with ThreadPoolExecutor(max_workers=16) as pool:
            bodies = list(pool.map(one, range(CROWD)))
        return time.monotonic() - start, bodies


@pytest.fixture
def edge(web_server: Callable[..., str], tmp_path: Path) -> Iterator[Edge]:
    """A real gunicorn (an access log of every request it served, and a waiting room on) with
    the edge of deploy/nginx/edge.conf in front, as devstack starts it for the bench."""
    now = timezone.now()
    access_log = tmp_path / "origin-access.log"
    origin = web_server(
        GUNICORN_CMD_ARGS=f"--access-logfile {access_log}",
        WAITING_ROOM_OPENS_AT=(now - datetime.timedelta(hours=1)).isoformat(),
        REGISTRATION_OPENS_AT=(now - datetime.timedelta(minutes=1)).isoformat(),
    )
    run = tmp_path / "edge"
    run.mkdir()
    edge_port = free_port()
    command = prepare_edge(
        run=run, origin_ports=[int(origin.rsplit(":", 1)[1])], edge_port=edge_port
    )
    process = start_process(command, None, tmp_path / "nginx.out")
    try:
        wait_for(f"http://127.0.0.1:{edge_port}/healthz", process=process)
        yield Edge(f"http://127.0.0.1:{edge_port}", access_log)
    finally:
        stop_process(process)
    assert edge_log_problems(run) == []


def bound(seconds: float) -> int:
    """Origin requests a crowd lasting `seconds` may cause: the fill of the first copy, then one
    refresh per second (the copies' s-maxage) the crowd lasted into."""
    return 1 + int(seconds) + 1


@pytest.mark.e2e
def test_the_edge_sends_a_crowd_of_listing_busters_to_the_origin_once_a_copy(
    edge: Edge, centres: None
) -> None:
    seconds, bodies = edge.crowd("/api/availability")
    time.sleep(0.3)  # gunicorn writes its access log after each answer
    hits = edge.origin_hits("/api/availability")
    print(f"{CROWD} listing busters in {seconds:.2f} s: {hits} origin requests")
    assert seconds < 3
    assert hits <= bound(seconds)
    assert all(codes(json.loads(body)) == ["MY-10", "MY-14"] for body in bodies)


@pytest.mark.e2e
def test_the_edge_sends_a_crowd_of_queue_busters_to_the_origin_once_a_copy(edge: Edge) -> None:
    seconds, bodies = edge.crowd("/api/queue")
    time.sleep(0.3)
    hits = edge.origin_hits("/api/queue")
    print(f"{CROWD} queue busters in {seconds:.2f} s: {hits} origin requests")
    assert seconds < 3
    assert hits <= bound(seconds)
    assert all("admitted_through" in json.loads(body) for body in bodies)


@pytest.mark.e2e
def test_the_edge_keeps_a_copy_per_known_parameter_and_encoding(edge: Edge, centres: None) -> None:
    """What the listing reads still gets its own copy at the edge, whatever else is added."""

    def listing(path: str, encoding: str | None = "gzip") -> tuple[dict[str, str], Any]:
        headers, body = edge.get(path, encoding)
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return headers, json.loads(body)

    assert codes(listing("/api/availability?state=MY-14&cb=1")[1]) == ["MY-14"]
    assert codes(listing("/api/availability?cb=2&state=my-10")[1]) == ["MY-10"]
    assert codes(listing("/api/availability?state=MY-99&cb=3")[1]) == []
    assert codes(listing("/api/availability?cb=4")[1]) == ["MY-10", "MY-14"]
    # The same copies for other spellings of the same request, from the edge's cache.
    headers, answer = listing("/api/availability?x=1&state=my-14&cb=5", "deflate, gzip")
    assert (codes(answer), headers["X-Cache"]) == (["MY-14"], "HIT")
    # A client that does not take gzip gets the plain copy, kept beside the gzipped one.
    headers, answer = listing("/api/availability?cb=6", None)
    assert "Content-Encoding" not in headers
    assert codes(answer) == ["MY-10", "MY-14"]
    headers, answer = listing("/api/availability?cb=7", "gzip;q=0, identity")
    assert "Content-Encoding" not in headers
    assert headers["X-Cache"] == "HIT"
    assert headers["Vary"] == "Accept-Encoding"  # for any cache between the edge and the client
