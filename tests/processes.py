"""Real processes on loopback for tests and benchmarks: free ports, waiting for a server to
answer, the environment that points a child at this run's Redis and PostgreSQL, gunicorn."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
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


def stack_environment(**overrides: str) -> dict[str, str]:
    """The environment for real web and worker processes sharing this test run's Redis and
    PostgreSQL test database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PERSON_KEY_SECRET": settings.PERSON_KEY_SECRET,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "RATE_LIMIT_PER_IP": "0",
        }
    )
    env.update(overrides)
    return env


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A child in its own process group (so that stop_process reaches its children too)."""
    with log.open("wb") as handle:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_gunicorn(
    log: Path, *, workers: int = 2, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """The Procfile's web process (gunicorn.conf.py) on a free loopback port; returns it and its
    base URL once /healthz answers."""
    port = free_port()
    process = start_process(
        [sys.executable, "-m", "gunicorn", "vaksin.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        stack_environment(**env),
        log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", process=process)
    except OSError:
        stop_process(process)
        raise
    return process, base


def start_code_worker(sms_file: Path, log: Path) -> subprocess.Popen[bytes]:
    """The Procfile's worker for one-time codes (`manage.py rqworker verifications`), sending
    through the file SMS backend into `sms_file`."""
    env = stack_environment(
        SMS_BACKEND="vaksin.sms.FileSmsBackend",
        SMS_FILE_PATH=str(sms_file),
    )
    return start_process([sys.executable, "manage.py", "rqworker", "verifications"], env, log)


def collect_static() -> None:
    """Hashed static files, which whitenoise serves to DEBUG=0 processes."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=True,
    )
