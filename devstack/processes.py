"""Starting, waiting for and stopping real processes on loopback.

Every child runs from the checkout's root in a session of its own, so that stopping it stops
whatever it started too (gunicorn's workers, an RQ work horse, nginx's workers).
"""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    url: str, *, seconds: float = 20, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Waits until `url` answers (any status below 400), or raises once `seconds` have passed or
    the process that should answer has died."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=1):  # noqa: S310 (loopback only)
                return
        except OSError:
            if time.monotonic() > deadline or (process and process.poll() is not None):
                raise
            time.sleep(0.1)


def wait_until(condition: Callable[[], bool], *, seconds: float, step: float = 0.2) -> bool:
    """Whether `condition` came true within `seconds`, asking every `step` seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def start_process(
    args: list[str],
    env: dict[str, str] | None,
    log: Path,
    *,
    append: bool = False,
    dies_with_parent: bool = False,
) -> subprocess.Popen[bytes]:
    """A child in its own session (so that stop_process reaches its children too), writing to
    `log`; `env` None inherits this process's environment. `append` keeps what an earlier run
    of the same process wrote (a supervisor restarting it). `dies_with_parent`: the child gets
    SIGTERM when this process dies, even by SIGKILL (see parent_death_signal)."""
    with log.open("ab" if append else "wb") as handle:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=parent_death_signal() if dies_with_parent else None,
        )


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def parent_death_signal() -> Callable[[], None]:
    """What a child runs between fork and exec so that Linux sends it SIGTERM when the process
    that started it dies, however it dies: a child in a session of its own is reached by no
    signal meant for its parent, and a supervisor killed with -9 would otherwise leave it
    running. The signal outlives exec; the child's own children (gunicorn's workers, nginx's)
    are its to stop. prctl is looked up here, in the parent: between fork and exec the child
    only calls it."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def stop_together(processes: Iterable[subprocess.Popen[bytes]], *, seconds: float = 20) -> None:
    """SIGTERM to every process's session at once, then waits for each: a group stops in the time
    of its slowest member, not of their sum. SIGKILL for one still there after `seconds`."""
    group = list(processes)
    for process in group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in group:
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """kill -9 of the process and of everything it started, as a crash would. An RQ work horse
    leaves the worker's session (setsid), so the tree is walked, not just the session."""
    tree = [process.pid]
    for pid in tree:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                tree.extend(int(child) for child in (task / "children").read_text().split())
    for pid in reversed(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
