"""The nginx edge (deploy/nginx/edge.conf, the one of `make bench` and `make run-ha`) keeps
serving the listing for a minute with the origin stopped, and for a minute with the origin taking
3 s per answer while sending it at most one request a second: a slow or failing origin gets no
herd."""

import http.client
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest

from devstack.edge import edge_log_problems, prepare_edge
from devstack.environment import stack_environment
from devstack.processes import free_port, start_process, stop_process, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECONDS = 61
CLIENTS = 4


class Origin:
    """A door in front of the real web process that the test can close (the origin is down:
    connections refused) or slow down (each answer takes `delay` seconds)."""

    def __init__(self, web: str, port: int) -> None:
        self.web, self.port, self.delay, self.requests = web, port, 0.0, 0
        self.server: ThreadingHTTPServer | None = None

    def start(self, *, delay: float = 0.0) -> None:
        origin = self
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.requests += 1
                time.sleep(origin.delay)
                with urlopen(origin.web + self.path) as answer:  # noqa: S310 (loopback)
                    status, headers, body = answer.status, answer.headers, answer.read()
                self.send_response(status)
                for name in ("Content-Type", "Cache-Control"):
                    if headers[name]:
                        self.send_header(name, headers[name])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def edge(tmp_path: Path, web_server, make_slot) -> Iterator[tuple[str, Origin]]:
    make_slot(location="WTCKL", capacity=100)
    origin = Origin(web_server(), free_port())
    origin.start()
    run = tmp_path / "edge"
    run.mkdir()
    port = free_port()
    command = prepare_edge(run=run, origin_ports=[origin.port], edge_port=port)
    process = start_process(command, stack_environment(), tmp_path / "nginx.out")
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process=process)
        yield f"127.0.0.1:{port}", origin
        # Refused connections are the stopped origin; anything else (a cache nginx cannot
        # write, say) is a problem.
        assert [line for line in edge_log_problems(run) if "(111: " not in line] == []
    finally:
        stop_process(process)
        origin.stop()


def hammer(edge: str, seconds: float) -> tuple[Counter[int], Counter[str], set[bytes]]:
    """CLIENTS clients reading the listing at the edge for `seconds`: the statuses, the edge's
    cache verdicts and the bodies they got."""
    statuses: Counter[int] = Counter()
    verdicts: Counter[str] = Counter()
    bodies: set[bytes] = set()
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(edge, timeout=30)
        while time.monotonic() < deadline:
            connection.request("GET", "/api/availability")
            answer = connection.getresponse()
            bodies.add(answer.read())
            statuses[answer.status] += 1
            verdicts[answer.headers.get("X-Cache", "")] += 1
            time.sleep(0.01)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, verdicts, bodies


def test_the_edge_serves_the_last_listing_with_the_origin_stopped_then_slowed(edge) -> None:
    address, origin = edge
    with urlopen(f"http://{address}/api/availability") as answer:
        last = answer.read()

    origin.stop()
    statuses, verdicts, bodies = hammer(address, SECONDS)
    print(f"\norigin stopped for {SECONDS} s: {dict(statuses)} at the edge, {dict(verdicts)}")
    assert set(statuses) == {200}
    assert bodies == {last}

    origin.start(delay=3.0)
    before = origin.requests
    started = time.monotonic()
    statuses, verdicts, _ = hammer(address, SECONDS)
    per_second = (origin.requests - before) / (time.monotonic() - started)
    print(
        f"origin at 3 s per answer for {SECONDS} s: {dict(statuses)} at the edge, "
        f"{dict(verdicts)}; {origin.requests - before} origin requests ({per_second:.2f}/s)"
    )
    assert set(statuses) == {200}
    assert per_second <= 1.0
