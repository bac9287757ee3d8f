"""The processes of a plain `make run` (web, relay, confirmation worker) while their one Redis is
killed and restarted under load: the web answers 503 with Retry-After meanwhile, never a 500 and
never a refused connection; nothing exits; bookings resume by themselves once Redis is back;
every booking acknowledged, before or after, is kept and confirmed."""

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devstack.people import api_body, bearer, new_phone
from devstack.processes import free_port, wait_until
from devstack.sms import sends_per_reference
from registration.references import number_for
from tests.vaksin.test_durability import start_redis
from vaksin.store import bookings


class Bookers:
    """Four clients booking a new person each time, as fast as the web answers."""

    def __init__(self, base: str, day) -> None:
        self.base, self.day = base, day
        self.statuses: list[int] = []
        self.retry_after: set[str] = set()
        self.references: list[str] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._book) for _ in range(4)]

    def __enter__(self) -> "Bookers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def _book(self) -> None:
        phone = new_phone()
        token = bearer(phone)
        while not self.stopping.is_set():
            body = json.dumps(api_body(self.day, phone=phone)).encode()
            request = urllib.request.Request(  # noqa: S310 (loopback)
                f"{self.base}/api/bookings", data=body, method="POST",
                headers={"Authorization": token, "Content-Type": "application/json"},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    self.statuses.append(answer.status)
                    self.references.append(json.load(answer)["reference"])
            except urllib.error.HTTPError as error:
                self.statuses.append(error.code)
                if error.code == 503:
                    self.retry_after.add(error.headers.get("Retry-After", ""))
                if error.code == 409:  # this phone's limit: go on from another
                    phone = new_phone()
                    token = bearer(phone)
            except OSError as error:  # refused, reset: the web itself gone
                self.failures.append(repr(error))
                time.sleep(0.05)


@pytest.mark.e2e
@pytest.mark.slow
def test_the_site_answers_503_while_redis_restarts_and_loses_nothing(
    settings, tmp_path: Path, make_slot, web_server, confirmation_stack
) -> None:
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    redis_server = start_redis(port, data, appendonly="yes")
    url = f"redis://127.0.0.1:{port}/0"
    settings.REDIS_URL = url
    day = make_slot(capacity=100_000)
    base = web_server(REDIS_URL=url, PHONE_BOOKING_LIMIT="1000")
    stack = confirmation_stack(REDIS_URL=url, CONFIRMATION_MAINTENANCE_SECONDS="2")
    relay, worker = stack.relay(), stack.worker()
    try:
        with Bookers(base, day) as load:
            assert wait_until(lambda: load.statuses.count(201) >= 20, seconds=20)
            redis_server.kill()
            redis_server.wait()
            down = len(load.statuses)
            assert wait_until(lambda: load.statuses[down:].count(503) >= 5, seconds=20)
            redis_server = start_redis(port, data, appendonly="yes")
            back = len(load.statuses)
            assert wait_until(lambda: load.statuses[back:].count(201) >= 20, seconds=30)

        assert set(load.statuses) <= {201, 503}, sorted(set(load.statuses))
        assert load.retry_after and "" not in load.retry_after
        assert load.failures == []
        # Every booking acknowledged is kept (Redis's append-only file, fsync always) and
        # confirmed once Redis is back; nothing exited on the way.
        for reference in load.references:
            number = number_for(reference)
            assert number and bookings.read_entry(number) is not None, reference
        assert wait_until(
            lambda: set(sends_per_reference(stack.sms_path)) >= set(load.references), seconds=90
        )
        assert relay.poll() is None and worker.poll() is None
    finally:
        redis_server.kill()
        redis_server.wait()
