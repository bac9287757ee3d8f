"""`make run`'s PostgreSQL asks for a password and the app is no superuser. Before, the private
cluster trusted anyone on 127.0.0.1 as its superuser: any local user could read the staff's
password hashes and every exported booking (this test failed on that code).

scripts/services.sh runs from a copy in a folder of the test's own, on free ports, so the
services the other tests use are never touched."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devstack.processes import ROOT, free_port


def services(checkout: Path, ports: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["scripts/services.sh", *args], cwd=checkout, env={**os.environ, **ports},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The private services of a fresh checkout (scripts/ and the Redis users alone)."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "deploy" / "redis").mkdir(parents=True)
    shutil.copy(ROOT / "deploy" / "redis" / "users.acl", tmp_path / "deploy" / "redis")
    ports = {"REDIS_PORT": str(free_port()), "PG_PORT": str(free_port())}
    try:
        services(tmp_path, ports, "start")
        yield tmp_path, ports
    finally:
        services(tmp_path, ports, "clean")


@pytest.mark.slow
def test_the_private_postgresql_asks_for_a_password_and_the_app_is_no_superuser(
    started: tuple[Path, dict[str, str]],
) -> None:
    checkout, ports = started
    url = services(checkout, ports, "database-url")
    host = f"host=127.0.0.1 port={ports['PG_PORT']} dbname=vaksin"

    for user in ("vaksin", "postgres"):  # without a password: refused, superuser or not
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"{host} user={user}", connect_timeout=5).close()

    with psycopg.connect(url, connect_timeout=5) as connection:
        found = connection.execute(
            "select rolsuper, rolcreatedb, pg_get_userbyid(datdba) from pg_roles, pg_database"
            " where rolname = current_user and datname = 'vaksin'"
        ).fetchone()
    assert found == (False, True, "vaksin")  # owns its database, may make the tests' own

    for name in (f"pg-{ports['PG_PORT']}.password", f"pg-{ports['PG_PORT']}.superuser.password"):
        assert (checkout / "var" / name).stat().st_mode & 0o777 == 0o600
