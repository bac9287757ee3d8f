"""Least privilege in `make run-ha`'s Redis: every process asks the Sentinels for the primary and
talks to it as its own user of deploy/redis/users.acl, the default user is off on every node and
Sentinel, and the replicas and the Sentinels have users of their own. Before, every process of
the stack was the default user, with every command, on the nodes and on the Sentinels: each
refusal below was an OK (the control: the operator, who has every command, gets those OKs)."""

import pytest
import redis

from devstack.ha import HaStack
from devstack.ha_config import AUTH_LINE, MASTER_NAME, OPERATOR_USER, process_user

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOPERM = redis.exceptions.NoPermissionError
# What the web process never needs on the primary: each takes the server, or reads every key.
NEVER_ON_PRIMARY = [
    ("FLUSHALL",),
    ("FLUSHDB",),
    ("CONFIG", "SET", "appendonly", "no"),
    ("KEYS", "*"),
    ("ACL", "LIST"),
    ("REPLICAOF", "NO", "ONE"),
    ("SHUTDOWN", "NOSAVE"),
]
# What no process may ask a Sentinel: to move the primary, forget it, or change who watches it.
NEVER_ON_SENTINEL = [
    ("SENTINEL", "FAILOVER", MASTER_NAME),
    ("SENTINEL", "REMOVE", MASTER_NAME),
    ("SENTINEL", "SET", MASTER_NAME, "quorum", "1"),
    ("SENTINEL", "RESET", "*"),
    ("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"),
    ("ACL", "LIST"),
]


def through_sentinels(stack: HaStack, user: str, password: str) -> redis.Sentinel:
    """The Sentinels as vaksin/store/connection.py asks them, as `user`."""
    return redis.Sentinel(
        [("127.0.0.1", port) for port in stack.ports.sentinels],
        sentinel_kwargs={"username": user, "password": password, "socket_timeout": 1},
        username=user,
        password=password,
        socket_timeout=2,
        decode_responses=True,
    )


def test_a_process_s_user_finds_the_primary_and_is_refused_what_it_does_not_need(
    ha_stack,
) -> None:
    stack = ha_stack(min_replicas=0, web_nodes=1)
    stack.start_stores()
    web_user = process_user("web")
    web = through_sentinels(stack, web_user, stack.passwords[web_user])
    primary = web.master_for(MASTER_NAME)
    assert primary.set("{vk}:users-test", "1")
    assert primary.get("{vk}:users-test") == "1"
    # Its own keys only: a key outside {vk}:*, rq:* and the staff sessions is refused.
    with pytest.raises(NOPERM):
        primary.get("elsewhere")
    operator = through_sentinels(stack, OPERATOR_USER, stack.password).master_for(MASTER_NAME)
    for command in NEVER_ON_PRIMARY:
        with pytest.raises(NOPERM):
            primary.execute_command(*command)
    # The control: the operator may (CONFIG GET and KEYS; the rest would end the test's Redis).
    assert operator.execute_command("CONFIG", "GET", "appendonly")
    assert "{vk}:users-test" in operator.execute_command("KEYS", "*")

    web_on_sentinel = web.sentinels[0]
    assert web_on_sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)
    for command in NEVER_ON_SENTINEL:
        with pytest.raises(NOPERM):
            web_on_sentinel.execute_command(*command)
    operator_on_sentinel = redis.Redis(
        port=stack.ports.sentinels[0], username=OPERATOR_USER, password=stack.password
    )
    assert operator_on_sentinel.execute_command("ACL", "LIST")


def test_the_default_user_is_off_on_every_node_and_sentinel(ha_stack) -> None:
    stack = ha_stack(min_replicas=0, web_nodes=1)
    stack.start_stores()
    for port in [*stack.ports.redis, *stack.ports.sentinels]:
        # Without a user, nothing; the operator's password is no default user's either.
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port, password=stack.password).ping()
        assert redis.Redis(port=port, username=OPERATOR_USER, password=stack.password).ping()


def test_the_replicas_and_the_sentinels_follow_the_primary_as_their_own_users(ha_stack) -> None:
    stack = ha_stack(min_replicas=1, web_nodes=1)
    stack.start_stores()
    primary = stack.node(stack.primary_port() or 0)
    users = [client["user"] for client in primary.client_list()]
    assert users.count("vaksin-replica") == len(stack.ports.redis) - 1
    # Each Sentinel has a command link and a hello subscription to the primary.
    assert users.count("vaksin-sentinel") >= len(stack.ports.sentinels)
    assert "default" not in users


def test_a_run_folder_an_older_run_left_gets_this_run_s_users(ha_stack) -> None:
    """make run-ha keeps each node's and Sentinel's configuration across runs (Sentinel rewrites
    them): one an older run wrote, with the default user's password, starts with no default
    user and this run's users, its role kept."""
    old = ha_stack(min_replicas=0, web_nodes=1)
    old.start_stores()
    old.stop()
    for config in [*old.run.glob("redis-*/redis.conf"), *old.run.glob("sentinel-*.conf")]:
        kept = [line for line in config.read_text().splitlines() if not AUTH_LINE.match(line)]
        config.write_text("\n".join([*kept, "requirepass older", "masterauth older"]) + "\n")
    again = HaStack(run=old.run, ports=old.ports, password="newer-operator", env={})
    try:
        again.start_stores()
        for port in [*again.ports.redis, *again.ports.sentinels]:
            with pytest.raises(redis.AuthenticationError):
                redis.Redis(port=port, password="older").ping()
        replicas = [port for port in again.ports.redis if port != again.primary_port()]
        assert len(replicas) == len(again.ports.redis) - 1
        assert all(again.node(port).info("replication")["role"] == "slave" for port in replicas)
    finally:
        again.stop()
