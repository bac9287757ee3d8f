"""A newcomer's first ten minutes: what `make run` leaves for manage.py beside it, and `make stop`
and `make status` on the ports it used. The Makefile and scripts run from a copy in a folder of
the test's own, so nothing here touches the checkout's var/ or the services other runs use."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.local_env import local_env_lines, product_variables, write_local_env
from devstack.processes import ROOT


def make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.endswith("_PORT")}
    env.pop("MAKEFLAGS", None)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The Makefile and scripts/ alone, with a var/ of their own."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    return tmp_path


def test_make_status_with_nothing_running_says_so_and_succeeds(checkout: Path) -> None:
    status = make(checkout, "status", "REDIS_PORT=6497", "PG_PORT=5497")

    assert status.returncode == 0, status.stdout + status.stderr
    assert "Nothing is running" in status.stdout
    assert "make run starts it" in status.stdout


def test_make_stop_and_status_use_the_ports_make_run_used(checkout: Path) -> None:
    (checkout / "var" / "run").mkdir(parents=True)
    (checkout / "var" / "run" / "make-run.mk").write_text(
        "PORT ?= 8097\nREDIS_PORT ?= 6498\nPG_PORT ?= 5498\n"
    )

    status = make(checkout, "status")
    stop = make(checkout, "stop")
    given = make(checkout, "status", "REDIS_PORT=6499")

    assert "redis: stopped (port 6498)" in status.stdout
    assert "postgres: stopped (port 5498)" in status.stdout
    assert "redis: not running (port 6498)" in stop.stdout
    assert "postgres: not running (port 5498)" in stop.stdout
    # Ports given again still win.
    assert "redis: stopped (port 6499)" in given.stdout


def test_run_sh_writes_local_env_and_the_ports_make_stop_reads() -> None:
    run = (ROOT / "scripts" / "run.sh").read_text()

    assert ".venv/bin/python -m devstack.local_env var/local.env" in run
    assert "var/run/make-run.mk" in run
    # What `make run` prints: the site, where the codes go, how staff log in.
    assert "var/log/sms.log" in run
    assert "make staff" in run


def test_local_env_carries_every_variable_the_product_reads() -> None:
    names = product_variables()
    # The waiting room's, which the list in scripts/run.sh used to leave out.
    assert {"WAITING_ROOM_OPENS_AT", "WAITING_ROOM_RATE", "ADMISSION_MINUTES"} <= names
    assert {"REDIS_URL", "DATABASE_URL", "DJANGO_SECRET_KEY", "SMS_FILE_PATH"} <= names
    assert not {"VAKSIN_LOCAL_ENV", "PATH", "HOME"} & names

    lines = local_env_lines({"WAITING_ROOM_RATE": "7", "HOME": "/home/x", "EMAIL_HOST": ""})
    assert "WAITING_ROOM_RATE=7" in lines
    assert not [line for line in lines if line.startswith(("HOME=", "EMAIL_HOST="))]


def test_waiting_room_draw_beside_make_run_finds_the_room(tmp_path: Path) -> None:
    """`manage.py waiting_room_draw` with nothing set but var/local.env sees the room `make run`
    was started with (it said "No waiting room is configured")."""
    given = {
        name: os.environ[name]
        for name in (
            "REDIS_URL",
            "DATABASE_URL",
            "DJANGO_SECRET_KEY",
            "PERSON_KEY_SECRET",
            "REFERENCE_SECRET",
        )
    }
    given["WAITING_ROOM_OPENS_AT"] = "2099-05-23T12:00:00+08:00"
    local_env = tmp_path / "local.env"
    write_local_env(local_env, given)
    bare = {"PATH": os.environ["PATH"], "VAKSIN_LOCAL_ENV": str(local_env)}

    draw = subprocess.run(
        [sys.executable, "manage.py", "waiting_room_draw"],
        cwd=ROOT,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert local_env.stat().st_mode & 0o077 == 0
    assert "No waiting room is configured" not in draw.stderr
    assert draw.returncode == 0, draw.stderr
    assert "commitment" in draw.stdout
