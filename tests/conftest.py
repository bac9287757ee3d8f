"""Fixtures shared by every test: a real Redis (flushed per test), seeded slots, a real gunicorn.

`make test` points REDIS_URL at database 1 of the private Redis, so tests never touch the data
of a `make run` beside them, and DATABASE_URL at the private PostgreSQL (pytest-django makes
its own test_ database there).
"""

import datetime
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import django_rq
import pytest
import redis
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, sync_playwright
from pytest_django.fixtures import Settings as SettingsWrapper

from devstack.processes import stop_process
from devstack.sms import sms_lines
from devstack.starters import collect_static, start_gunicorn
from tests.slots import SlotMaker, slot_seed
from tests.staff import staff_login
from vaksin import store
from vaksin.sms import sms_backend
from vaksin.switches import switches_forget


@pytest.fixture(autouse=True)
def redis_client() -> Iterator[redis.Redis]:
    """The real Redis of REDIS_URL, emptied before each test."""
    client = store.client()
    client.flushdb()
    switches_forget()
    yield client


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    """pytest-django's admin client, with the verified second factor the admin site asks for."""
    staff_login(client, admin_user)
    return client


@pytest.fixture
def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


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
        return slot_seed(
            location=location, capacity=capacity, date=date or tomorrow, state=state, name=name
        )

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


@pytest.fixture
def sms_file(settings: SettingsWrapper, tmp_path: Path) -> Iterator[Path]:
    """Points the file SMS backend of this process at a fresh file."""
    path = tmp_path / "sms.log"
    settings.SMS_BACKEND = "vaksin.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(path)
    sms_backend.cache_clear()
    yield path
    sms_backend.cache_clear()


@pytest.fixture
def send_codes(sms_file: Path) -> Callable[[], list[str]]:
    """Runs the verifications queue's jobs in a real RQ worker, in burst mode; returns every
    six-digit code the file SMS backend has sent, oldest first."""

    def send() -> list[str]:
        django_rq.get_worker("verifications").work(burst=True)
        return [
            found.group(0)
            for line in sms_lines(sms_file)
            if (found := re.search(r"\b\d{6}\b", line["text"]))
        ]

    return send


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, one for the whole session: Playwright's sync API
    allows one instance per thread."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures make
    # (seeding centres) are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )  # fmt: skip
        yield chromium
        chromium.close()


@pytest.fixture
def room(settings: SettingsWrapper) -> Callable[..., None]:
    """Puts a waiting room in front of booking in this process: open since an hour ago, and
    registration opening `opens_in` seconds from now (negative: already open)."""
    from waiting_room.services import PUBLIC

    def configure(*, opens_in: float = -60, rate: int = 50, minutes: int = 10) -> None:
        now = timezone.now()
        settings.WAITING_ROOM_OPENS_AT = now - datetime.timedelta(hours=1)
        settings.REGISTRATION_OPENS_AT = now + datetime.timedelta(seconds=opens_in)
        settings.WAITING_ROOM_RATE = rate
        settings.ADMISSION_MINUTES = minutes
        PUBLIC.clear()

    return configure
