"""The real stack on loopback for `make bench`: gunicorn, the Procfile's workers, an nginx edge.

Redis and PostgreSQL are the private ones of `make run` (scripts/services.sh); the benchmark
uses its own Redis database and its own PostgreSQL database so it never touches demo data.
"""

import grp
import os
import pwd
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.processes import free_port, stop_process, wait_for

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


# Every booking of the bench is made from this one verified phone, with a limit no scenario
# reaches: the phone check costs what it costs at noon, but never refuses a bench booking.
BENCH_PHONE = "+60123456789"
BENCH_PHONE_LIMIT = 1_000_000_000


@cache
def bench_token() -> str:
    """The bearer token of BENCH_PHONE, signed with the running settings' secret (the bench's,
    in `make bench`)."""
    from phones.services import phone_token

    return phone_token(BENCH_PHONE).token


# The Redis database of the run's stack; others hold scenarios that must not mix with it.
REDIS_DB = 8


def with_database(url: str, name: str) -> str:
    """`url` (Redis's or PostgreSQL's) with another database: a scenario's own."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def redis_password(port: str) -> str:
    """The private Redis's password, which scripts/services.sh made when it started it."""
    return (ROOT / "var" / f"redis-{port}.password").read_text().strip()


def environment(*, redis_db: int = REDIS_DB) -> dict[str, str]:
    redis_port = os.environ.get("REDIS_PORT", "6391")
    pg_port = os.environ.get("PG_PORT", "5441")
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "VAKSIN_LOCAL_ENV": "",
            "DJANGO_SECRET_KEY": "bench-only-not-secret",
            "PERSON_KEY_SECRET": "bench-only-person-key",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "REDIS_URL": f"redis://:{redis_password(redis_port)}@127.0.0.1:{redis_port}/{redis_db}",
            "DATABASE_URL": f"postgres://vaksin@127.0.0.1:{pg_port}/vaksin_bench",
            "RATE_LIMIT_PER_IP": "0",
            "RATE_LIMIT_PER_ID": "0",
            "PHONE_BOOKING_LIMIT": str(BENCH_PHONE_LIMIT),
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


def nginx_user() -> str:
    """The `user` line of the edge's nginx.conf.

    Started as root, nginx runs its workers as `nobody`, who cannot enter a checkout under a
    private folder (a 0700 temporary folder, a home folder): every cache write failed and
    every edge request went to the origin. Running the workers as the user who started the
    bench lets them write wherever the bench itself writes, from any checkout location, and
    keeps all of nginx's files in the run folder rather than in a system-wide one that
    `nobody` could write. Not started as root, nginx cannot change user, and its workers are
    already the bench's user."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"


def edge_config(*, run: Path, origin_ports: list[int], edge_port: int) -> str:
    """bench/nginx.conf with its placeholders filled in: the edge in front of every origin."""
    config = (ROOT / "bench" / "nginx.conf").read_text()
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in origin_ports
    )
    values = {
        "run": str(run),
        "origin_servers": servers,
        "edge_port": str(edge_port),
        "user": nginx_user(),
    }
    for key, value in values.items():
        config = config.replace("{" + key + "}", value)
    return config


def prepare_edge(*, run: Path, origin_ports: list[int], edge_port: int) -> list[str]:
    """Writes the edge's nginx.conf into `run`, with fresh logs; returns the command to run it."""
    (run / "nginx.conf").write_text(
        edge_config(run=run, origin_ports=origin_ports, edge_port=edge_port)
    )
    (run / "nginx-temp").mkdir(exist_ok=True)
    for log in ("origin-hits.log", "queue-origin-hits.log", "nginx-error.log"):
        (run / log).unlink(missing_ok=True)
    command = ["nginx", "-c", str(run / "nginx.conf")]
    # nginx opens its compiled-in error log before it reads the config; -e (nginx 1.19.5 and
    # later) points that one at the run folder too.
    usage = subprocess.run(["nginx", "-h"], capture_output=True, text=True, check=False).stderr
    if "-e filename" in usage:
        command[1:1] = ["-e", str(run / "nginx-error.log")]
    return command


def edge_log_problems(run: Path = RUN) -> list[str]:
    """Lines of the edge's error log at level error or worse (a cache it cannot write, say)."""
    log = run / "nginx-error.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    levels = ("[error]", "[crit]", "[alert]", "[emerg]")
    return [line for line in lines if any(level in line for level in levels)]


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

    def start_web(self, name: str = "web", *, redis_db: int = REDIS_DB) -> str:
        """The Procfile's web process on its own port; returns its base URL once it answers.
        The first one started is the origin behind the edge."""
        port = self.origin_port if name == "web" else free_port()
        env = environment(redis_db=redis_db) | {
            "PORT": str(port),
            "WEB_CONCURRENCY": str(self.web_workers),
        }
        self.spawn(name, procfile()["web"], env)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process=self.processes[name])
        return base

    def start_workers(self) -> None:
        for name, command in procfile().items():
            if name not in ("web", "release"):
                self.spawn(name, command)

    def start_edge(self) -> None:
        command = prepare_edge(run=RUN, origin_ports=[self.origin_port], edge_port=self.edge_port)
        self.spawn("edge", shlex.join(command))
        wait_for(f"{self.edge}/healthz", process=self.processes["edge"])

    def process_trees(self, redis_pid: int) -> dict[str, int]:
        """The root process of each kind that serves a booking, for bench/cpu.py."""
        return {
            "web": self.processes["web"].pid,
            "Redis": redis_pid,
            "relay": self.processes["relay"].pid,
            "worker": self.processes["worker"].pid,
        }

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
def running_stack() -> Iterator[Stack]:
    RUN.mkdir(parents=True, exist_ok=True)
    stack = Stack()
    try:
        yield stack
    finally:
        stack.stop()
