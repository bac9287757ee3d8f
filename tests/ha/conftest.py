"""The high-availability stack of `make run-ha` (devstack/ha.py) on free loopback ports, and this
test process pointed at it through its Sentinels."""

import datetime
import http.client
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from devstack.environment import stack_environment
from devstack.ha import HaStack
from devstack.ha_config import MASTER_NAME, OPERATOR_USER, Ports
from devstack.people import api_body, bearer, booking_request
from registration.references import number_for
from registration.services import booking_create
from vaksin import store
from vaksin.errors import BookingError
from vaksin.store import bookings


@pytest.fixture
def ha_stack(tmp_path: Path) -> Iterator[Callable[..., HaStack]]:
    stacks: list[HaStack] = []

    def make(*, min_replicas: int = 1, replicas: int = 2, web_nodes: int = 2) -> HaStack:
        run = tmp_path / f"ha-{len(stacks)}"
        (run / "log").mkdir(parents=True)
        stack = HaStack(
            run=run,
            ports=Ports.free(replicas=replicas, web_nodes=web_nodes),
            password=secrets.token_hex(12),
            env=stack_environment(),
            min_replicas=min_replicas,
        )
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


def point_at(settings: SettingsWrapper, stack: HaStack) -> None:
    """This process's store (and queues) find the primary through the stack's Sentinels, as
    the operator (the default user is off)."""
    settings.REDIS_URL = stack.redis_url
    settings.REDIS_USERNAME = OPERATOR_USER
    settings.REDIS_PASSWORD = stack.password
    settings.REDIS_DB = 0
    settings.REDIS_SENTINEL_MASTER = MASTER_NAME
    settings.REDIS_MIN_REPLICAS = stack.min_replicas
    settings.REDIS_SENTINELS = [("127.0.0.1", port) for port in stack.ports.sentinels]
    store.client.cache_clear()


@dataclass
class Clients:
    """Eight clients booking as fast as they can, each a person at a time, through
    booking_create (the booking path of the web nodes, without HTTP)."""

    date: str
    threads: int = 8
    # (when, reference, the ID number it was booked for); a reference can come twice: after a
    # failover that lost bookings, the new primary gives their numbers to new bookings.
    acknowledged: list[tuple[float, str, str]] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    # Refusals other than "unavailable" (a slot the new primary does not know: lost data).
    surprises: Counter[str] = field(default_factory=Counter)
    stopping: threading.Event = field(default_factory=threading.Event)
    workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Clients":
        self.workers = [threading.Thread(target=self._book, args=(n,)) for n in range(self.threads)]
        for worker in self.workers:
            worker.start()
        return self

    def _book(self, first: int) -> None:
        i = first
        while not self.stopping.is_set():
            request = booking_request(i, location="WTCKL", date=self.date)
            try:
                reference = booking_create(request=request).reference
                self.acknowledged.append((time.monotonic(), reference, request.id_number))
            except BookingError as error:
                if error.code != "unavailable":
                    self.surprises[error.code] += 1
                self.refused.append(time.monotonic())
                time.sleep(0.05)  # what Retry-After asks of a client, shortened
            i += self.threads

    def stop(self) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.join()

    def since(self, moment: float) -> list[tuple[float, str, str]]:
        return [booked for booked in self.acknowledged if booked[0] > moment]

    def before(self, moment: float) -> list[tuple[float, str, str]]:
        return [booked for booked in self.acknowledged if booked[0] <= moment]

    @staticmethod
    def lost(acknowledged: list[tuple[float, str, str]]) -> list[str]:
        """The references the store does not hold for the person they were given to."""
        return [
            reference
            for _, reference, id_number in acknowledged
            if (entry := bookings.read_entry(number_for(reference) or 0)) is None
            or entry.get("id_number") != id_number
        ]


def book_at(connection: http.client.HTTPConnection, day: datetime.date) -> tuple[int, str]:
    """A new person books through POST /api/bookings: the status and the reference (or the
    error) it answered."""
    body = api_body(day)
    connection.request(
        "POST", "/api/bookings", body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": bearer(body["phone"])},
    )  # fmt: skip
    answer = connection.getresponse()
    content = answer.read()
    if answer.headers.get("Content-Type") != "application/json":
        return answer.status, ""  # nginx's own page: the node behind it died mid-request
    reply = json.loads(content)
    return answer.status, reply.get("reference") or reply.get("error", "")
