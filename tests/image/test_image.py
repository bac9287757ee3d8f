"""The image as it ships (Containerfile, `make image`): built from the locally made base, then its
web and workers run from the image's own files (tests/image/rootfs.py) against this run's Redis
and PostgreSQL, with the checks a fresh clone gets: /healthz, a booking from a phone verified by
a code sent by SMS, its confirmation in the SMS log, and the export to PostgreSQL."""

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from devstack.environment import stack_environment
from devstack.people import api_body, new_phone
from devstack.processes import free_port, stop_together, wait_for, wait_until
from devstack.sms import code_sent_to, sends_per_reference, sms_size
from tests.image.rootfs import Rootfs, build, skip_reason
from tests.slots import SlotMaker
from warehouse.models import Booking

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.image]

# What the checkout has and the image must not: the harness, the documents, local state.
NOT_IN_THE_IMAGE = ["tests", "bench", "devstack", "docs", "scripts", "var", ".git",
                    "node_modules", "deploy/kubernetes", "deploy/systemd", "deploy/ha.py",
                    "Makefile", "compose.yaml"]  # fmt: skip


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rootfs]:
    """The image of this work tree, built by `make image` (reused when nothing changed: its
    layers are cached) and mounted read-only, with a folder the image's user may write to
    bound at /var/lib/vaksin (the SMS and e-mail files)."""
    reason = skip_reason()
    if reason:
        pytest.skip(f"the image test: {reason}")
    folder = tmp_path_factory.mktemp("image")
    image_id = build(folder / "make-image.log")
    share = folder / "share"
    share.mkdir()
    mounted = Rootfs.mount(image_id, share)
    uid, gid = (int(part) for part in mounted.user.split(":"))
    os.chown(share, uid, gid)
    yield mounted
    mounted.unmount()


def image_env(**extra: str) -> dict[str, str]:
    """What devstack gives a real process of this test run (its Redis and PostgreSQL test
    database, secrets, no address limits), without the test runner's own environment: only
    variables, as a platform would set them."""
    with mock.patch.dict(os.environ, clear=True):
        env = stack_environment()
    # Loopback only: the machine is shared, and nothing here needs another address.
    return {**env, "HOST": "127.0.0.1", **extra}


def _call(url: str, body: dict[str, Any] | None = None, token: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body else None
    request = urllib.request.Request(url, data=data)  # noqa: S310 (loopback)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_image_holds_what_runs_and_no_more(rootfs: Rootfs) -> None:
    app = rootfs.path / "opt" / "vaksin"
    assert rootfs.user.split(":")[0] not in ("", "0", "root")
    assert [name for name in NOT_IN_THE_IMAGE if (app / name).exists()] == []
    assert list(app.rglob("*.password")) + list(app.rglob("*.env")) == []
    # Collected at build time: the manifest whitenoise serves hashed names from.
    assert (app / "staticfiles" / "staticfiles.json").is_file()
    assert (app / ".venv" / "bin" / "gunicorn").is_file()
    # The application is root's and read-only to the user its processes run as.
    uid = int(rootfs.user.split(":")[0])
    writable = [
        path
        for path in [app, *app.rglob("*")]
        if not path.is_symlink() and (path.stat().st_uid == uid or path.stat().st_mode & 0o002)
    ]
    assert writable == []
    # No secret in the image's environment: every one comes from the platform.
    names = set(rootfs.environment())
    assert {"DATABASE_URL", "REDIS_URL"} & names == set()
    assert [n for n in names if any(w in n for w in ("SECRET", "PASSWORD", "TOKEN"))] == []
    assert rootfs.healthcheck[:1] == ["CMD"]


def test_the_web_and_workers_from_the_image_book_confirm_and_export(
    rootfs: Rootfs, transactional_db: None, make_slot: SlotMaker, tmp_path: Path
) -> None:
    day = make_slot()
    port = free_port()
    env = image_env(PORT=str(port), WEB_CONCURRENCY="2")
    web = rootfs.start(tmp_path / "web.log", "web", env=env, stderr=tmp_path / "web.stderr")
    processes = {"web": web} | {
        name: rootfs.start(tmp_path / f"{name}.log", name, env=env)
        for name in ("relay", "worker", "export", "waitlist")
    }
    base = f"http://127.0.0.1:{port}"
    sms = rootfs.share / "sms.log"
    try:
        wait_for(f"{base}/healthz", seconds=60, process=web)
        assert _call(f"{base}/healthz") == (200, {"status": "ok", "redis": "ok", "database": "ok"})
        healthcheck = rootfs.run(*rootfs.healthcheck[1:], env=env, entrypoint=False)
        assert healthcheck.returncode == 0, healthcheck.stdout + healthcheck.stderr

        phone = new_phone()
        after = sms_size(sms)
        assert _call(f"{base}/api/verifications", {"phone": phone})[0] == 202
        code = code_sent_to(sms, phone, after=after, seconds=30)
        status, confirmed = _call(
            f"{base}/api/verifications/confirm", {"phone": phone, "code": code}
        )
        assert status == 200, confirmed
        status, booked = _call(
            f"{base}/api/bookings", api_body(day, phone=phone), token=confirmed["token"]
        )
        assert status == 201, booked
        reference = booked["reference"]
        # The relay and a confirmation worker of the image send its SMS.
        assert wait_until(lambda: sends_per_reference(sms)[reference] >= 1, seconds=30)

        migrated = rootfs.run("migrate", env=env)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        exported = rootfs.run("export_bookings", "--verify", env=env)
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert "Verified" in exported.stdout
        assert Booking.objects.filter(reference=reference).exists()

        # Every long-running process is still up: each name the entrypoint knows started.
        time.sleep(1)
        assert [name for name, p in processes.items() if p.poll() is not None] == []
    finally:
        stop_together(processes.values())
    # The logs: JSON lines, all on standard output.
    lines = (tmp_path / "web.log").read_text().splitlines()
    assert lines and [json.loads(line)["level"] for line in lines]
    assert (tmp_path / "web.stderr").read_text() == ""


def _answered(url: str) -> bool:
    """Whether `url` answers at all, an error status included."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("down", "healthy"), [("DATABASE_URL", True), ("REDIS_URL", False)], ids=["postgres", "redis"]
)
def test_the_healthcheck_fails_when_redis_is_down_not_postgresql(
    rootfs: Rootfs, tmp_path: Path, down: str, healthy: bool
) -> None:
    """The HEALTHCHECK and the web's readiness probe: a PostgreSQL failover must not take every
    web pod out of the load balancer, since the public books through Redis alone."""
    port = free_port()
    unreachable = {
        "DATABASE_URL": f"postgres://vaksin@127.0.0.1:{free_port()}/vaksin",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }[down]
    env = image_env(PORT=str(port), WEB_CONCURRENCY="1", **{down: unreachable})
    web = rootfs.start(tmp_path / "web.log", "web", env=env)
    try:
        assert wait_until(lambda: _answered(f"http://127.0.0.1:{port}/healthz"), seconds=60)
        assert _call(f"http://127.0.0.1:{port}/healthz")[0] == 503
        check = rootfs.run(*rootfs.healthcheck[1:], env=env, entrypoint=False)
        assert (check.returncode == 0) is healthy, check.stdout + check.stderr
    finally:
        stop_together([web])
