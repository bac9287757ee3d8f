"""An acknowledged booking survives `kill -9` of Redis: append-only file, fsync on every write.

This test runs its own Redis, configured as scripts/services.sh configures the private one,
so that killing it disturbs nothing else.
"""

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devstack.people import booking_request
from devstack.processes import free_port
from registration.references import number_for
from registration.services import booking_create
from vaksin import store
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings

REDIS_SERVER = shutil.which("redis-server") or "redis-server"


def start_redis(port: int, directory: Path, *, appendonly: str) -> subprocess.Popen[bytes]:
    settings = {"port": str(port), "bind": "127.0.0.1", "dir": str(directory), "save": "",
                "appendonly": appendonly, "appendfsync": "always"}  # fmt: skip
    arguments = [part for name, value in settings.items() for part in (f"--{name}", value)]
    process = subprocess.Popen([REDIS_SERVER, *arguments], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


@pytest.fixture(params=["yes", "no"], ids=["append-only", "control-without-append-only"])
def own_redis(request, settings, tmp_path: Path) -> Iterator[tuple[int, Path, str]]:
    port = free_port()
    process = start_redis(port, tmp_path, appendonly=request.param)
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    yield port, tmp_path, request.param
    process.kill()
    process.wait()


@pytest.mark.slow
def test_every_acknowledged_booking_survives_kill_9_of_redis(db, own_redis, make_slot) -> None:
    """The control runs the same without the append-only file, and must see bookings lost."""
    port, directory, appendonly = own_redis
    date = make_slot(location="WTCKL", capacity=100_000).isoformat()
    acknowledged: list[str] = []
    stop = threading.Event()

    def keep_booking(first: int) -> None:
        i = first
        while not stop.is_set():
            try:
                acknowledged.append(
                    booking_create(
                        request=booking_request(i, location="WTCKL", date=date)
                    ).reference
                )
            except (BookingError, redis.RedisError):
                return  # Redis died under us: nothing was acknowledged for this one
            i += 8

    threads = [threading.Thread(target=keep_booking, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    pid = int(redis.Redis(port=port).info("server")["process_id"])
    os.kill(pid, signal.SIGKILL)  # mid-flight, while eight clients are booking
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) > 100

    restarted = start_redis(port, directory, appendonly=appendonly)
    try:
        store.client.cache_clear()
        numbers = [number_for(reference) for reference in acknowledged]
        lost = [n for n in numbers if not n or not bookings.read_entry(n)]
        if appendonly == "yes":
            assert lost == []
            assert store_problems() == []
        else:
            assert len(lost) == len(acknowledged)
    finally:
        restarted.kill()
        restarted.wait()
