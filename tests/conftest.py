"""Fixtures shared by every test: a real Redis (flushed per test), seeded slots, a real gunicorn.

`make test` points REDIS_URL at database 1 of the private Redis, so tests never touch the data
of a `make run` beside them, and DATABASE_URL at the private PostgreSQL (pytest-django makes
its own test_ database there).
"""

import datetime
import os
import re
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, sync_playwright
from pytest_django.fixtures import Settings as SettingsWrapper

from availability.selectors import LISTING
from devstack.environment import stack_environment
from devstack.people import mykad
from devstack.processes import ROOT, kill_tree, stop_process
from devstack.sms import sms_lines
from devstack.starters import collect_static, start_code_worker, start_gunicorn, start_manage
from tests.codes import resend_allowed, send_waiting_codes
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
    """Sends the codes waiting in the code outbox as the relay does (tests/codes.py); returns
    every six-digit code the file SMS backend has sent, oldest first."""

    def send() -> list[str]:
        send_waiting_codes()
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
    registration opening `opens_in` seconds from now (negative: already open). Operators'
    part of the draw is done as they would: a seed committed to (kept here, never in Redis),
    and revealed once the opening has passed."""
    from vaksin.store.queue import queue_commit, queue_reveal, seed_commitment
    from waiting_room.services import PUBLIC, queue_reading

    seed = secrets.token_hex(32)

    def configure(*, opens_in: float = -60, rate: int = 50, minutes: int = 10) -> None:
        now = timezone.now()
        settings.WAITING_ROOM_OPENS_AT = now - datetime.timedelta(hours=1)
        settings.REGISTRATION_OPENS_AT = now + datetime.timedelta(seconds=opens_in)
        settings.WAITING_ROOM_RATE = rate
        settings.ADMISSION_MINUTES = minutes
        queue_commit(seed_commitment(seed))
        if opens_in <= 0:
            queue_reading()  # the draw frozen at the opening, then the seed revealed
            queue_reveal(seed)
        PUBLIC.clear()

    return configure


@pytest.fixture(scope="module")
def site_sms(site: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real code worker beside the session's gunicorn; returns the file it writes SMS to.

    Only for this module: a worker left running would take the codes other tests send."""
    folder = tmp_path_factory.mktemp("codes")
    process = start_code_worker(folder / "sms.log", folder / "worker.log")
    yield folder / "sms.log"
    stop_process(process)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: docs/screenshots with VAKSIN_SCREENSHOTS=1, else a temp dir, so
    that an ordinary test run leaves the work tree clean."""
    if os.environ.get("VAKSIN_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path


# --- The public face: a person's answers, the wizard walked step by step, one gunicorn ---


@pytest.fixture(autouse=True)
def listing_cache_cleared() -> Iterator[None]:
    """Each test flushes Redis, so this process's copies of the listing must go too."""
    LISTING.clear()
    yield
    LISTING.clear()


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
def verify(client: Client, send_codes: Callable[[], list[str]]) -> Callable[[str], Client]:
    """Verifies a phone in the wizard as a person does: the number, then the code by SMS (sent
    by the relay's code sender through the file SMS backend)."""

    def go(phone: str) -> Client:
        resend_allowed(phone)  # a code asked for just before (a test's own) is a minute old
        sent = client.post("/register/phone/", {"phone": phone})
        assert sent.status_code == 303, sent.content.decode()[:2000]
        if sent["Location"] == "/register/code/":
            confirmed = client.post("/register/code/", {"code": send_codes()[-1]})
            assert confirmed.status_code == 303, confirmed.content.decode()[:2000]
        return client

    return go


@pytest.fixture
def walk(client: Client, verify: Callable[[str], Client]) -> Walker:
    """Verifies the person's phone, then answers the wizard up to (and including) `until`,
    checking each step moves on."""

    def go(person: dict[str, str], *, location: str, date: str, until: str = "date") -> Client:
        verify(person["phone"])
        steps: list[tuple[str, dict[str, str]]] = [
            ("/register/id/", {"id_type": person["id_type"], "id_number": person["id_number"]}),
            (
                "/register/details/",
                {
                    "name": person["name"],
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
def site(
    django_db_setup: None,
    collected_static: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """One gunicorn for the whole session, against the test database and the test Redis.

    The pages read slots from Redis only, which each test seeds after the flush."""
    process, base = start_gunicorn(tmp_path_factory.mktemp("site") / "gunicorn.log")
    yield base
    stop_process(process)


# --- After the click: admin pages' static files, the relay and worker processes ----------


@pytest.fixture(autouse=True)
def plain_static_files(settings: SettingsWrapper) -> None:
    """Admin pages name static files; the manifest storage of DEBUG=0 needs collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class ConfirmationStack:
    """Real `manage.py relay_outbox` and `manage.py rqworker confirmations` processes."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.tmp_path = tmp_path
        self.sms_path = tmp_path / "stack-sms.log"
        self.env = stack_environment(
            SMS_BACKEND="vaksin.sms.FileSmsBackend",
            SMS_FILE_PATH=str(self.sms_path),
            EMAIL_BACKEND="vaksin.private_files.PrivateFileEmailBackend",
            EMAIL_FILE_PATH=str(tmp_path / "mail"),
            **env,
        )
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started = 0

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = self.tmp_path / f"{args[0]}-{self.started}.log"
        process = start_manage(list(args), self.env, log)
        self.processes.append(process)
        return process

    def relay(self) -> subprocess.Popen[bytes]:
        return self._start("relay_outbox", "--consumer", "test-relay", "--block-ms", "200")

    def worker(self) -> subprocess.Popen[bytes]:
        return self._start("rqworker", "confirmations", "--with-scheduler")

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """kill -9 of the process and everything it started, an RQ work horse included."""
        kill_tree(process)

    def stop_all(self) -> None:
        for process in self.processes:
            stop_process(process)


@pytest.fixture
def confirmation_stack(tmp_path: Path) -> Iterator[Callable[..., ConfirmationStack]]:
    stacks: list[ConfirmationStack] = []

    def make(**env: str) -> ConfirmationStack:
        stack = ConfirmationStack(tmp_path, **env)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop_all()
