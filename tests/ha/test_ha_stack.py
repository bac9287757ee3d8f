"""The whole HA stack of `make run-ha` through a failover: bookings at the nginx front, the
relay and the worker sending confirmations, and manage.py commands all find the primary
through the Sentinels, before and after the primary is killed, with no process restarted."""

import http.client
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.ha import HaStack
from devstack.processes import ROOT, wait_until
from devstack.sms import sends_per_reference
from tests.ha.conftest import book_at, point_at

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROCESS_USERS = {f"vaksin-{name}" for name in ("web", "relay", "workers", "export", "waitlist")}


def test_the_ha_stack_books_confirms_and_exports_across_a_failover(
    settings, transactional_db, collected_static, make_slot, ha_stack, tmp_path: Path
) -> None:
    stack = ha_stack(min_replicas=1)
    sms = tmp_path / "sms.log"
    stack.env |= {
        "SMS_BACKEND": "vaksin.sms.FileSmsBackend",
        "SMS_FILE_PATH": str(sms),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    stack.start()
    point_at(settings, stack)
    day = make_slot(location="WTCKL", capacity=1000)
    edge = http.client.HTTPConnection("127.0.0.1", stack.ports.edge, timeout=30)

    def book(count: int) -> list[str]:
        booked: list[str] = []
        deadline = time.monotonic() + 60
        while len(booked) < count and time.monotonic() < deadline:
            status, reference = book_at(edge, day)
            if status == 201:
                booked.append(reference)
            else:
                assert (status, reference) == (503, "unavailable")
                time.sleep(0.2)
        return booked

    before = book(20)
    assert wait_until(lambda: set(sends_per_reference(sms)) >= set(before), seconds=60)
    # Every process talks to the primary as its own user (deploy/redis/users.acl), none as the
    # default user, which is off.
    assert wait_until(lambda: users_on(stack, stack.primary_port()) >= PROCESS_USERS, seconds=30)
    assert "default" not in users_on(stack, stack.primary_port())

    first = stack.primary_port()
    stack.kill(f"redis-{first}")
    after = book(20)
    assert len(after) == 20
    assert stack.primary_port() not in (None, first)
    assert wait_until(lambda: users_on(stack, stack.primary_port()) >= PROCESS_USERS, seconds=30)
    assert wait_until(lambda: set(sends_per_reference(sms)) >= set(before + after), seconds=90)
    assert all(count == 1 for count in sends_per_reference(sms).values())

    export = subprocess.run(
        [sys.executable, "manage.py", "export_bookings", "--verify"],
        cwd=ROOT, env=stack.app_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    assert "Verified: 40 active bookings" in export.stdout
    alive = [name for name, process in stack.processes.items() if process.poll() is None]
    assert sorted(alive) == sorted(name for name in stack.processes if name != f"redis-{first}")


def users_on(stack: HaStack, port: int | None) -> set[str]:
    """The users of the clients connected to node `port`."""
    return {client["user"] for client in stack.node(port or 0).client_list()}
