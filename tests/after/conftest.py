"""Fixtures for the after-the-click features: confirmations, the export and the staff admin."""

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.processes import stack_environment, start_process, stop_process


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
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(tmp_path / "mail"),
            **env,
        )
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started = 0

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = self.tmp_path / f"{args[0]}-{self.started}.log"
        process = start_process([sys.executable, "manage.py", *args], self.env, log)
        self.processes.append(process)
        return process

    def relay(self) -> subprocess.Popen[bytes]:
        return self._start("relay_outbox", "--consumer", "test-relay", "--block-ms", "200")

    def worker(self) -> subprocess.Popen[bytes]:
        return self._start("rqworker", "confirmations", "--with-scheduler")

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """kill -9 of the process and everything it started. An RQ work horse leaves the
        worker's process group (setsid), so the tree is walked, not just the group."""
        tree = [process.pid]
        for pid in tree:
            for task in Path(f"/proc/{pid}/task").glob("*"):
                children = (task / "children").read_text().split() if task.exists() else []
                tree.extend(int(child) for child in children)
        for pid in reversed(tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

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
