"""Fixtures for the after-the-click features: confirmations, the export and the staff admin."""

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from devstack.environment import stack_environment
from devstack.processes import kill_tree, stop_process
from devstack.starters import start_manage


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
