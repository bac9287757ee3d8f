"""Fixtures for the public face: a person's answers, the wizard walked step by step, and a real
gunicorn with collected static files for the browser tests."""

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.test import Client

from availability.selectors import LISTING

ROOT = Path(__file__).resolve().parents[2]
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def listing_cache_cleared() -> Iterator[None]:
    """Each test flushes Redis, so this process's copies of the listing must go too."""
    LISTING.clear()
    yield
    LISTING.clear()


def mykad(serial: int | None = None, *, born: str = "900101", place: str = "14") -> str:
    """A valid MyKad number; a different one per call unless `serial` is given."""
    return f"{born}{place}{(serial if serial is not None else next(_numbers)) % 10000:04d}"


@pytest.fixture
def person() -> dict[str, str]:
    return {
        "id_type": "mykad",
        "id_number": mykad(),
        "name": "Nur Aisyah binti Ahmad",
        "phone": "012-345 6789",
        "email": "",
    }


Walker = Callable[..., Any]


@pytest.fixture
def walk(client: Client) -> Walker:
    """Answers the wizard up to (and including) `until`, checking each step moves on."""

    def go(person: dict[str, str], *, location: str, date: str, until: str = "date") -> Client:
        steps: list[tuple[str, dict[str, str]]] = [
            ("/register/id/", {"id_type": person["id_type"], "id_number": person["id_number"]}),
            (
                "/register/details/",
                {
                    "name": person["name"],
                    "phone": person["phone"],
                    "email": person.get("email", ""),
                    **{
                        key: person[key]
                        for key in ("birth_day", "birth_month", "birth_year")
                        if key in person
                    },
                },
            ),
            ("/register/state/", {"state": person.get("state", "MY-14")}),
            ("/register/centre/", {"location": location}),
            ("/register/date/", {"slot": f"{location}|{date}"}),
        ]
        for url, data in steps:
            response = client.post(url, data)
            assert response.status_code == 303, (url, response.content.decode()[:2000])
            if url.endswith(f"/{until}/"):
                break
        return client

    return go


@pytest.fixture(scope="session")
def collected_static() -> None:
    """Hashed static files for DEBUG=0 processes (whitenoise serves what collectstatic wrote)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(**overrides: str) -> dict[str, str]:
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


def start_gunicorn(
    log: Path, *, workers: int = 2, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """A real gunicorn on a free loopback port, configured here rather than from a file so the
    public tests do not depend on the deployment's settings."""
    port = _free_port()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "vaksin.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=_environment(**env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urlopen(f"{base}/healthz", timeout=1):  # noqa: S310 (loopback only)
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop_gunicorn(process)
                raise
            time.sleep(0.1)
    return process, base


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def site(
    django_db_setup: None,
    collected_static: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """One gunicorn for the whole session, against the test database and the test Redis.

    The pages read slots from Redis only, which each test seeds after the flush."""
    process, base = start_gunicorn(tmp_path_factory.mktemp("site") / "gunicorn.log")
    yield base
    stop_gunicorn(process)
