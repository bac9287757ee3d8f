"""`make run`'s Redis has no default user: every process connects as its own
(deploy/redis/users.acl), and the tests, the bench and redis-cli as the operator. Before, the
default user was on with the operator's password and every command: whoever had that one
password had the whole server, and `redis-url` gave it to the tests (this test failed on that
code).

scripts/services.sh runs from a copy in a folder of the test's own, on free ports, so the
services the other tests use are never touched."""

from pathlib import Path

import pytest
import redis

from tests.security import test_postgres_password
from tests.security.test_postgres_password import services

# Its fixture: the private services of a fresh copy of scripts/, on free ports.
started = test_postgres_password.started

pytestmark = pytest.mark.slow


def test_the_private_redis_has_no_default_user(started: tuple[Path, dict[str, str]]) -> None:
    checkout, ports = started
    port = int(ports["REDIS_PORT"])
    password = (checkout / "var" / f"redis-{port}.password").read_text().strip()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port).ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port, password=password).ping()

    # What the tests connect as: the operator, who may do what they do (FLUSHDB, ACL SETUSER).
    operator = redis.Redis.from_url(services(checkout, ports, "redis-url", "3"))
    assert operator.acl_whoami() in ("vaksin-operator", b"vaksin-operator")
    assert operator.flushdb()
    # A process's user is refused it.
    web = redis.Redis.from_url(services(checkout, ports, "redis-url", "3", "web"))
    with pytest.raises(redis.exceptions.NoPermissionError):
        web.flushdb()
    # Started again (users live in memory only), still none.
    services(checkout, ports, "stop")
    services(checkout, ports, "start")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port, password=password).ping()
    assert redis.Redis.from_url(services(checkout, ports, "redis-url", "3")).ping()
