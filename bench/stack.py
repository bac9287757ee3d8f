"""The bench's stack on loopback for `make bench`: the devstack stack (gunicorn, the Procfile's
workers, an nginx edge) with the bench's settings, phone and databases.

Redis and PostgreSQL are the private ones of `make run` (scripts/services.sh); the benchmark
uses its own Redis database and its own PostgreSQL database so it never touches demo data.
On a machine others share, BENCH_REDIS_DB, BENCH_DATABASE, BENCH_RUN (the run folder) and
BENCH_PORTS ("8400-8499") keep a run to a database, a folder and ports of its own.
"""

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from devstack.environment import services_database_url, services_redis_url, venv_path
from devstack.processes import ROOT, free_port
from devstack.stack import Stack
from devstack.stack import running_stack as running_devstack

RUN = Path(os.environ.get("BENCH_RUN", ROOT / "var" / "bench"))
PYTHON = str(ROOT / ".venv" / "bin" / "python")


# Every booking of the bench is made from this one verified phone, with a limit no scenario
# reaches: the phone check costs what it costs at noon, but never refuses a bench booking.
BENCH_PHONE = "+60123456789"
BENCH_PHONE_LIMIT = 1_000_000_000
SMS_BUDGETS = [
    f"{kind}_{window}"
    for kind in ("CODES", "CODES_PER_PREFIX", "CONFIRMATIONS")
    for window in ("PER_MINUTE", "PER_HOUR")
]


@cache
def bench_token() -> str:
    """The bearer token of BENCH_PHONE, signed with the running settings' secret (the bench's,
    in `make bench`)."""
    from phones.services import phone_token

    return phone_token(BENCH_PHONE).token


# The Redis database of the run's stack; others hold scenarios that must not mix with it.
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "8"))
DATABASE = os.environ.get("BENCH_DATABASE", "vaksin_bench")


def environment(*, redis_db: int = REDIS_DB) -> dict[str, str]:
    """The bench's processes' environment: bench.settings (with the rivals), made-up secrets,
    no rate limits or SMS budgets, and the run folder for SMS and e-mail."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "VAKSIN_LOCAL_ENV": "",
            "DJANGO_SECRET_KEY": "bench-only-not-secret",
            "PERSON_KEY_SECRET": "bench-only-person-key",
            "REFERENCE_SECRET": "bench-only-reference-key",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "REDIS_URL": services_redis_url(redis_db),
            "DATABASE_URL": services_database_url(DATABASE),
            "RATE_LIMIT_PER_IP": "0",
            "RATE_LIMIT_PER_PHONE": "0",
            "RATE_LIMIT_PER_ID": "0",
            "PHONE_BOOKING_LIMIT": str(BENCH_PHONE_LIMIT),
            # The SMS budgets are limits, like the rate limits above: 0 is none. The bench
            # measures how fast codes and confirmations go, not how fast a budget refuses.
            **{f"SMS_BUDGET_{name}": "0" for name in SMS_BUDGETS},
            "SMS_FILE_PATH": str(RUN / "sms.log"),
            "EMAIL_FILE_PATH": str(RUN / "mail"),
            "PATH": venv_path(os.environ.get("PATH", "")),
        }
    )
    return env


def prepare_database() -> None:
    """A fresh PostgreSQL database for the run, migrated with the rivals' tables."""
    env = environment()
    # Made from the services' own database, as its owner, with its password (a cluster
    # `make run` made asks for one).
    maintenance = urlsplit(env["DATABASE_URL"])._replace(path="/vaksin").geturl()
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-q", maintenance, "-c", statement], check=True, env=env)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], check=True, cwd=ROOT, env=env
    )
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], check=True, cwd=ROOT, env=env
    )


def bench_port(*taken: int) -> int:
    """A free port, from BENCH_PORTS ("8400-8499") when it is set, else any the kernel gives;
    never one of `taken` (chosen but not yet listened on)."""
    if not (ports := os.environ.get("BENCH_PORTS")):
        return free_port()
    first, _, last = ports.partition("-")
    for port in range(int(first), int(last or first) + 1):
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in BENCH_PORTS {ports}")


@contextmanager
def running_stack() -> Iterator[Stack]:
    """The bench's stack in var/bench, in the bench's environment, stopped on the way out."""
    with running_devstack(RUN, environment) as stack:
        if os.environ.get("BENCH_PORTS"):
            stack.origin_port = bench_port()
            stack.edge_port = bench_port(stack.origin_port)
        yield stack
