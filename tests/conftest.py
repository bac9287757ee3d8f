"""Fixtures shared by every test: a real Redis (flushed per test), seeded slots, a real gunicorn.

`make test` points REDIS_URL at database 1 of the private Redis, so tests never touch the data
of a `make run` beside them, and DATABASE_URL at the private PostgreSQL (pytest-django makes
its own test_ database there).
"""

import datetime
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from availability.services import centre_save, slot_set_capacity
from tests.processes import (  # noqa: F401 (re-exported for the test modules)
    ROOT,
    collect_static,
    free_port,
    stack_environment,
    start_gunicorn,
    start_process,
    stop_process,
)
from vaksin import store


@pytest.fixture(autouse=True)
def redis_client() -> Iterator[redis.Redis]:
    """The real Redis of REDIS_URL, emptied before each test."""
    client = store.client()
    client.flushdb()
    yield client


@pytest.fixture
def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


SlotMaker = Callable[..., datetime.date]


@pytest.fixture
def make_slot(db: None, tomorrow: datetime.date) -> SlotMaker:
    """Seeds a centre (in PostgreSQL and Redis) and one slot; returns the slot's date."""

    def make(
        location: str = "WTCKL",
        capacity: int = 10,
        date: datetime.date | None = None,
        state: str = "MY-14",
        name: str | None = None,
    ) -> datetime.date:
        day = date or tomorrow
        centre_save(centre_id=location, name=name or f"Centre {location}", state=state)
        slot_set_capacity(location=location, date=day, capacity=capacity)
        return day

    return make


@pytest.fixture(scope="session")
def collected_static() -> None:
    collect_static()


@pytest.fixture
def web_server(
    transactional_db: None, collected_static: None, tmp_path: Path
) -> Iterator[Callable[..., str]]:
    """Starts a real gunicorn on a free loopback port; returns its base URL.

    Needs transactional_db: gunicorn is another process and sees only committed rows.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def start(workers: int = 2, **env: str) -> str:
        process, base = start_gunicorn(
            tmp_path / f"gunicorn-{len(processes)}.log", workers=workers, **env
        )
        processes.append(process)
        return base

    yield start
    for process in processes:
        stop_process(process)
