"""Least privilege in Redis: each process connects as a user of its own (deploy/redis/users.acl)
with only the commands and keys it needs. Before, every process was the all-powerful default
user: each test below failed on that code (there was no such user).

The users are made for this test only, under a prefix of its own, and deleted afterwards: the
server's other users, the operator every other test connects as among them, are left as they
are."""

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from devstack.environment import stack_environment
from devstack.processes import ROOT, stop_process, wait_until
from devstack.redis_users import redis_users, users_rules
from devstack.sms import sms_lines
from devstack.starters import start_gunicorn, start_manage
from tests.slots import SlotMaker

PREFIX = f"vaksin-test-{os.getpid()}-"
NOPERM = redis.exceptions.NoPermissionError


@pytest.fixture
def users(redis_client: redis.Redis) -> Iterator[dict[str, str]]:
    with redis_users(redis_client, settings.REDIS_URL, prefix=PREFIX) as urls:
        yield urls


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


# What no process needs, each a way to take the whole server or run code there.
NEVER = [
    ("CONFIG", "SET", "appendonly", "no"),
    ("FLUSHDB",),
    ("FLUSHALL",),
    ("KEYS", "*"),
    ("ACL", "LIST"),
    ("SCRIPT", "FLUSH"),
    ("MONITOR",),
    ("SHUTDOWN", "NOSAVE"),
    ("MODULE", "LIST"),
    ("CLIENT", "KILL", "TYPE", "normal"),
]


def test_no_process_s_user_may_run_a_command_that_takes_the_server(
    users: dict[str, str], redis_client: redis.Redis
) -> None:
    # The control: the tests' user (the operator) may, as every process could before.
    assert redis_client.execute_command("CONFIG", "GET", "appendonly")
    assert set(users) == {"web", "relay", "workers", "export", "waitlist", "admin"}
    for name, url in users.items():
        client = connect(url)
        for command in NEVER:
            with pytest.raises(NOPERM):
                client.execute_command(*command)
        assert client.ping(), name


def test_a_process_s_user_is_refused_what_only_another_process_needs(
    users: dict[str, str],
) -> None:
    web, relay, workers, export = (connect(users[n]) for n in ("web", "relay", "workers", "export"))
    # Only the relay reads the booking log through its consumer group.
    for client in (web, workers, export):
        with pytest.raises(NOPERM):
            client.xreadgroup("confirmations", "intruder", {"{vk}:bookings": ">"}, count=1)
    # Staff sessions are the web's alone.
    for client in (relay, workers, export):
        with pytest.raises(NOPERM):
            client.get("staff-sessions:1:anything")
    # The export never touches the job queues; the relay never writes the booking log.
    with pytest.raises(NOPERM):
        export.lpush("rq:queue:confirmations", "job")
    with pytest.raises(NOPERM):
        relay.xadd("{vk}:bookings", {"kind": "booked"})
    # The control: each may what it needs.
    assert web.get("staff-sessions:1:anything") is None
    assert relay.xlen("{vk}:bookings") == 0


def test_every_user_of_the_file_is_in_the_operations_guide() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text().replace("\\|", "|")  # a table's \|
    for name, rules in users_rules().items():
        assert f"| `vaksin-{name}` |" in guide, name
        assert all(rule in guide for rule in rules if rule.startswith(("+", "~"))), name


def _code(sms: Path, phone: str) -> str:
    [line] = [line for line in sms_lines(sms) if line["to"] == phone]
    found = re.search(r"\b\d{6}\b", line["text"])
    assert found
    return found.group(0)


def _post(url: str, body: dict, token: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.e2e
def test_every_process_does_its_work_as_its_own_user(
    users: dict[str, str],
    make_slot: SlotMaker,
    tmp_path: Path,
    collected_static: None,
    transactional_db: None,  # the export's process commits: its rows are emptied after
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    sms = tmp_path / "sms.log"
    files = {"SMS_BACKEND": "vaksin.sms.FileSmsBackend", "SMS_FILE_PATH": str(sms)}
    web, base = start_gunicorn(tmp_path / "web.log", workers=1, REDIS_URL=users["web"], **files)
    processes = [web]

    def start(name: str, *args: str) -> None:
        env = stack_environment(REDIS_URL=users[name], **files)
        processes.append(start_manage(list(args), env, tmp_path / f"{args[0]}-{name}.log"))

    try:
        # The relay sends the codes (phones/sending.py) as well as relaying the bookings.
        start("relay", "relay_outbox", "--consumer", "users-test", "--block-ms", "200")
        phone = "+60133330001"
        assert _post(f"{base}/api/verifications", {"phone": phone})[0] == 202
        assert wait_until(lambda: len(sms_lines(sms)) == 1, seconds=30)
        status, verified = _post(
            f"{base}/api/verifications/confirm", {"phone": phone, "code": _code(sms, phone)}
        )
        assert status == 200, verified
        body = {
            "id_type": "mykad", "id_number": "900101145555", "name": "Siti Nurhaliza",
            "phone": phone, "email": "", "location": "WTCKL", "date": day.isoformat(),
        }  # fmt: skip
        status, booked = _post(f"{base}/api/bookings", body, verified["token"])
        assert status == 201, booked

        start("workers", "rqworker", "confirmations", "--with-scheduler")
        assert wait_until(lambda: len(sms_lines(sms)) == 2, seconds=60), sms_lines(sms)
        assert booked["reference"] in sms_lines(sms)[1]["text"]

        for name, args in (("export", ["export_bookings"]), ("waitlist", ["waitlist_sweep"])):
            env = stack_environment(REDIS_URL=users[name], **files)
            done = subprocess.run(
                [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True,
                text=True, timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 0, (name, done.stderr[-2000:])
    finally:
        for process in processes:
            stop_process(process)


@pytest.mark.parametrize(
    ("named", "url"),
    [
        ({"VAKSIN_PROCESS": "web"}, "redis://web@127.0.0.1:6391/7"),
        ({"HONCHO_PROCESS_NAME": "worker.2"}, "redis://worker@127.0.0.1:6391/7"),
        ({}, "redis://admin@127.0.0.1:6391/7"),  # manage.py by hand
    ],
)
def test_each_process_takes_its_own_redis_url(named: dict[str, str], url: str) -> None:
    env = stack_environment(
        REDIS_URL="redis://admin@127.0.0.1:6391/7",
        REDIS_URL_WEB="redis://web@127.0.0.1:6391/7",
        REDIS_URL_WORKER="redis://worker@127.0.0.1:6391/7",
        **named,
    )
    printed = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.REDIS_URL)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "vaksin.settings"}, cwd=ROOT, capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    assert printed.stdout.strip() == url
