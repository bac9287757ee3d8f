"""Fixtures shared by every test: a real Redis (flushed per test), seeded slots, a real gunicorn.

`make test` points REDIS_URL at database 1 of the private Redis, so tests never touch the data
of a `make run` beside them, and DATABASE_URL at the private PostgreSQL (pytest-django makes
its own test_ database there).
"""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from availability.services import centre_save, slot_set_capacity
from vaksin import store

ROOT = Path(__file__).resolve().parent.parent


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, *, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=1):  # noqa: S310 (loopback only)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stack_environment(**overrides: str) -> dict[str, str]:
    """The environment for real web and worker processes sharing this test run's Redis and
    PostgreSQL test database."""
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PERSON_KEY_SECRET": settings.PERSON_KEY_SECRET,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "RATE_LIMIT_PER_IP": "0",
        }
    )
    env.update(overrides)
    return env


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def web_server(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Starts a real gunicorn on a free loopback port; returns its base URL.

    Needs transactional_db: gunicorn is another process and sees only committed rows.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def start(workers: int = 2, **env: str) -> str:
        port = free_port()
        process = start_process(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "vaksin.wsgi",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            stack_environment(**env),
            tmp_path / f"gunicorn-{port}.log",
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        return base

    yield start
    for process in processes:
        stop_process(process)
