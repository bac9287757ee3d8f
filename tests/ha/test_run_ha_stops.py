"""`make run-ha`'s supervisor (deploy/ha.py) leaves nothing behind: SIGTERM or Ctrl-C stops
every process it started, the stores included, and a SIGKILL of the supervisor itself leaves
nothing running either (each child gets SIGTERM from the kernel when its parent dies).

The stack runs as make run-ha runs it, on ports of its own (7300s and 8300s, so as not to meet
another checkout's run-ha) and under a folder of its own (HA_RUN)."""

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devstack.environment import stack_environment
from devstack.processes import ROOT, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

READY = "is running at"


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid` (sessions of their own included), with its start time."""
    found: dict[int, str] = {}
    tree = [pid]
    for parent in tree:
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            tree += children
            found |= {child: started for child in children if (started := start_time(child))}
    return found


def start_time(pid: int) -> str:
    """The process's start time, or "" once it is gone (a zombie is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return "" if fields[0] == "Z" else fields[19]


def alive(processes: dict[int, str]) -> dict[int, str]:
    return {pid: started for pid, started in processes.items() if start_time(pid) == started}


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def run_ha(tmp_path: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """`python -m deploy.ha` as scripts/run-ha.sh starts it, once it says it is running."""
    env = stack_environment(
        HA_RUN=str(tmp_path / "ha"),
        PORT="8300",
        HA_REDIS_PORT="7300",
        HA_SENTINEL_PORT="7310",
        HA_WEB_NODES="2",
        WEB_CONCURRENCY="1",
        SMS_BACKEND="vaksin.sms.FileSmsBackend",
        SMS_FILE_PATH=str(tmp_path / "sms" / "sms.log"),
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        DJANGO_DEBUG="0",
    )
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "deploy.ha"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    lines: list[str] = []
    assert supervisor.stdout is not None
    stdout = supervisor.stdout
    threading.Thread(target=lambda: lines.extend(stdout), daemon=True).start()
    ready = wait_until(
        lambda: any(READY in line for line in lines) or supervisor.poll() is not None,
        seconds=300,
        step=0.5,
    )
    if not ready or supervisor.poll() is not None:
        supervisor.kill()
        pytest.fail("run-ha did not start:\n" + "".join(lines[-40:]))
    return supervisor, lines


def stores(processes: dict[int, str]) -> list[int]:
    return [pid for pid in processes if "redis-server" in command_of(pid)]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_stops_every_process_it_started(
    transactional_db: None, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    supervisor, _ = run_ha(tmp_path)
    started = descendants(supervisor.pid)
    assert len(stores(started)) == 6  # a primary, two replicas, three Sentinels
    asked = time.monotonic()
    supervisor.send_signal(stop_signal)
    supervisor.wait(timeout=120)
    took = time.monotonic() - asked
    left = alive(started)
    assert left == {}, {pid: command_of(pid) for pid in left}
    print(f"{stop_signal.name}: every process of run-ha gone in {took:.1f} s")


def test_a_sigkill_of_the_supervisor_leaves_nothing_running(
    transactional_db: None, tmp_path: Path
) -> None:
    supervisor, _ = run_ha(tmp_path)
    started = descendants(supervisor.pid)
    assert len(stores(started)) == 6
    killed = time.monotonic()
    supervisor.kill()
    supervisor.wait()
    assert wait_until(lambda: not alive(started), seconds=120), {
        pid: command_of(pid) for pid in alive(started)
    }
    print(f"SIGKILL of the supervisor: its processes gone in {time.monotonic() - killed:.1f} s")
