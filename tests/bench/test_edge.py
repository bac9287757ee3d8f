"""The bench's nginx edge caches the listing from any checkout location, a private (0700)
folder included, and keeps every file it writes in the run folder."""

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest

from devstack.edge import edge_log_problems, prepare_edge
from devstack.processes import free_port, start_process, stop_process, wait_for


class Origin(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        if self.path == "/api/availability":
            type(self).hits += 1
        body = b'{"states": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "public, max-age=60, s-maxage=60")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def origin_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Origin.hits = 0
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.e2e
def test_the_edge_caches_the_listing_from_a_private_folder(tmp_path: Path, origin_port) -> None:
    run = tmp_path / "private" / "var"
    run.mkdir(parents=True)
    (tmp_path / "private").chmod(0o700)
    edge_port = free_port()
    command = prepare_edge(run=run, origin_ports=[origin_port], edge_port=edge_port)
    edge = start_process(command, dict(os.environ), tmp_path / "nginx.out")
    try:
        wait_for(f"http://127.0.0.1:{edge_port}/healthz", process=edge)
        caches = []
        for _ in range(3):
            with urlopen(f"http://127.0.0.1:{edge_port}/api/availability") as answer:
                caches.append(answer.headers["X-Cache"])
    finally:
        stop_process(edge)

    assert caches == ["MISS", "HIT", "HIT"]
    assert Origin.hits == 1
    assert edge_log_problems(run) == []
    assert any((run / "nginx-cache").rglob("*"))
    assert (run / "nginx-temp").is_dir()
