"""The real stack on loopback for `make bench`: gunicorn, the Procfile's workers, an nginx edge.

Redis and PostgreSQL are the private ones of `make run` (scripts/services.sh); the benchmark
uses its own Redis database and its own PostgreSQL database so it never touches demo data.
"""

import os
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import free_port, stop_process, wait_for

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def environment() -> dict[str, str]:
    redis_port = os.environ.get("REDIS_PORT", "6391")
    pg_port = os.environ.get("PG_PORT", "5441")
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": "bench-only-not-secret",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/8",
            "DATABASE_URL": f"postgres://vaksin@127.0.0.1:{pg_port}/vaksin_bench",
            "RATE_LIMIT_PER_IP": "0",
            "RATE_LIMIT_PER_ID": "0",
            "SMS_FILE_PATH": str(RUN / "sms.log"),
            "EMAIL_FILE_PATH": str(RUN / "mail"),
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        }
    )
    return env


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(
        (name.strip(), command.strip())
        for name, _, command in (line.partition(":") for line in lines if ":" in line)
        if not name.strip().startswith("#")
    )


@dataclass
class Stack:
    web_workers: int = 4
    origin_port: int = field(default_factory=free_port)
    edge_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.origin_port}"

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.edge_port}"

    def spawn(self, name: str, command: str, env: dict[str, str] | None = None) -> None:
        log = (RUN / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S602 (commands from our Procfile)
            f"exec {command}",
            shell=True,
            cwd=ROOT,
            env=env or environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self) -> None:
        env = environment() | {
            "PORT": str(self.origin_port),
            "WEB_CONCURRENCY": str(self.web_workers),
        }
        self.spawn("web", procfile()["web"], env)
        wait_for(f"{self.origin}/healthz")

    def start_workers(self) -> None:
        for name, command in procfile().items():
            if name not in ("web", "release"):
                self.spawn(name, command)

    def start_edge(self) -> None:
        config = (ROOT / "bench" / "nginx.conf").read_text()
        for key, value in {"run": str(RUN), "origin_port": str(self.origin_port),
                           "edge_port": str(self.edge_port)}.items():  # fmt: skip
            config = config.replace("{" + key + "}", value)
        (RUN / "nginx.conf").write_text(config)
        (RUN / "origin-hits.log").unlink(missing_ok=True)
        self.spawn("edge", f"nginx -c {shlex.quote(str(RUN / 'nginx.conf'))}")
        wait_for(f"{self.edge}/healthz")

    def stop(self, *names: str) -> None:
        for name in names or list(self.processes):
            if process := self.processes.pop(name, None):
                stop_process(process)


def prepare_database() -> None:
    """A fresh PostgreSQL database for the run, migrated with the rivals' tables."""
    env = environment()
    pg_port = env["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0]
    psql = ["psql", "-q", "-h", "127.0.0.1", "-p", pg_port, "-U", "vaksin", "-d", "vaksin"]
    for statement in ("DROP DATABASE IF EXISTS vaksin_bench", "CREATE DATABASE vaksin_bench"):
        subprocess.run([*psql, "-c", statement], check=True, env=env)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], check=True, cwd=ROOT, env=env
    )
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], check=True, cwd=ROOT, env=env
    )


@contextmanager
def running_stack(web_workers: int = 4) -> Iterator[Stack]:
    RUN.mkdir(parents=True, exist_ok=True)
    stack = Stack(web_workers=web_workers)
    try:
        yield stack
    finally:
        stack.stop()
