"""The lazy Redis client, the one exception type and the Lua scripts (loaded once, run by SHA)."""

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.commands.core import Script

SCRIPTS = Path(__file__).parent / "lua"


# What redis-py raises when Redis cannot be reached, does not answer in time, or is still
# loading its data after a restart: an outage to wait out, not a bug.
REDIS_GONE = (redis.ConnectionError, redis.TimeoutError, redis.exceptions.BusyLoadingError)


class StoreError(Exception):
    """Redis could not be reached or did not answer in time: the caller should try again later."""


class NotReplicated(StoreError):
    """A write reached the primary but not REDIS_MIN_REPLICAS replicas in REDIS_WAIT_MS: it is
    not certain to survive the primary's loss, so it must not be acknowledged."""


# Replies that mean "not now" rather than a bug: the primary refuses writes while too few
# replicas follow it (min-replicas-to-write), or a node was demoted under us by a failover.
REFUSALS = ("NOREPLICAS", "READONLY", "MASTERDOWN")

CLIENT_OPTIONS: dict[str, Any] = {
    "decode_responses": True,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "health_check_interval": 30,
}


def redis_outage(error: BaseException) -> bool:
    """Whether `error` means Redis cannot take this now (unreachable, still loading, refusing
    writes for want of replicas, demoted by a failover), to be waited out, rather than a bug.
    A refusal inside a pipeline or a transaction comes wrapped, hence the search of the
    message and of the error it was raised from."""
    while error is not None:
        if isinstance(error, REDIS_GONE):
            return True
        if isinstance(error, redis.ResponseError) and any(r in str(error) for r in REFUSALS):
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


@cache
def client() -> Any:
    """The shared client (a redis.Redis with decode_responses=True), to the primary that the
    Sentinels name when REDIS_SENTINELS is set, else to REDIS_URL.

    Typed Any on purpose: redis-py's annotations cannot express decode_responses, so they type
    every reply as bytes | str | None; the functions of this package state what they return.
    """
    if settings.REDIS_SENTINELS:
        sentinel = redis.Sentinel(
            settings.REDIS_SENTINELS,
            # The process's own user on the Sentinels too: they are asked as it where the
            # primary is (deploy/redis/users.acl, docs/redis.md).
            sentinel_kwargs={
                "username": settings.REDIS_USERNAME,
                "password": settings.REDIS_PASSWORD,
                "socket_timeout": 1,
            },
        )
        return sentinel.master_for(
            settings.REDIS_SENTINEL_MASTER,
            username=settings.REDIS_USERNAME,
            password=settings.REDIS_PASSWORD,
            db=settings.REDIS_DB,
            **CLIENT_OPTIONS,
        )
    return redis.Redis.from_url(settings.REDIS_URL, **CLIENT_OPTIONS)


@contextmanager
def answering() -> Iterator[None]:
    """Turns a Redis that cannot be reached, or is too busy to answer, into StoreError."""
    try:
        yield
    except redis.RedisError as error:
        if redis_outage(error):
            raise StoreError(str(error)) from error
        raise


# Scripts live in a folder per feature (lua/<feature>/<name>.lua) and are named by that path.
# A script that starts with "-- uses: registration/book waitlist/waitlist" runs those scripts as
# local functions named after their files, `book(KEYS, ARGV)` and `waitlist(KEYS, ARGV)`: one
# script, so still one atomic step, and the booking an offer makes is decided by the very same
# book.lua as any other booking. A helper of lua/lib/ is used the same way (it returns its
# functions), so that a rule such as the arrival window is written once.
USES = re.compile(r"\A-- uses:((?: [a-z_]+/[a-z0-9_]+)+)\n")


def script_source(name: str) -> str:
    """The text Redis runs for script `name`: its file, after the scripts it uses."""
    source = (SCRIPTS / f"{name}.lua").read_text()
    found = USES.match(source)
    used = found.group(1).split() if found else []
    return (
        "".join(
            f"local {each.rsplit('/', 1)[1]} = function(KEYS, ARGV)\n{script_source(each)}\nend\n"
            for each in used
        )
        + source
    )


@cache
def script(name: str) -> Script:
    # register_script calls by SHA and reloads the source only when Redis has forgotten it.
    return client().register_script(script_source(name))


class _ScriptConnection(threading.local):
    """Each thread's own connection for scripts, made by the shared client's pool (so by
    Sentinel's when REDIS_SENTINELS is set) and kept: see run_script."""

    connection: Any = None
    pool: Any = None
    pid = 0


_script_connection = _ScriptConnection()
# Sends of a script whose connection broke: the second goes on a fresh connection (after a
# restart, or to a new primary after a failover), as redis-py itself would retry.
SCRIPT_SENDS = 2


def run_script(name: str, *, keys: list[str], args: list[Any]) -> list[Any]:
    """Runs script `name` by its SHA, loading it first if Redis does not know it.

    On a connection of this thread's own rather than through redis-py's client: one script is
    the whole of a booking request's Redis work, and the client's machinery around each command
    (taking and returning a pooled connection, which polls the socket, its retry wrapper, timing
    for observability hooks) cost as much CPU in the web process as sending the script and
    reading its reply (bench/profile.py --gil). What every script writes is safe to send twice
    (a booking sent again answers "repeat"), as redis-py's own retries already assumed."""
    reply: list[Any] = _send_script(name, keys, args)[0]
    return reply


def run_script_replicated(
    name: str, *, keys: list[str], args: list[Any], replicas: int, timeout_ms: int
) -> tuple[list[Any], int]:
    """Runs a script and then WAIT on the same connection, in one round trip: the reply and how
    many replicas acknowledged everything the script wrote (WAIT counts what its own connection
    wrote, hence the same connection)."""
    reply, acknowledged = _send_script(name, keys, args, ("WAIT", replicas, timeout_ms))
    return reply, int(acknowledged)


def _send_script(name: str, keys: list[str], args: list[Any], *after: tuple[Any, ...]) -> list[Any]:
    """The replies of script `name` and of the commands `after` it, sent in one write on this
    thread's connection."""
    loaded = script(name)
    commands = [("EVALSHA", loaded.sha, len(keys), *keys, *args), *after]
    with answering():
        for send in range(1, SCRIPT_SENDS + 1):
            connection = _connection_for_scripts()
            try:
                replies = _send(connection, commands)
                if isinstance(replies[0], redis.exceptions.NoScriptError):
                    # A restart, or a new primary after a failover: it has not seen the script.
                    replies = _send(connection, [("SCRIPT", "LOAD", loaded.script), *commands])[1:]
            except (redis.ConnectionError, redis.TimeoutError):
                connection.disconnect()
                if send == SCRIPT_SENDS:
                    raise
            except BaseException:
                # Interrupted mid-reply (a job's timeout, say): a reply may still be on its way,
                # and must not be read as the next script's.
                connection.disconnect()
                raise
            else:
                for reply in replies:
                    if isinstance(reply, redis.ResponseError):
                        raise reply
                return replies
    raise AssertionError("unreachable")


def _send(connection: Any, commands: list[tuple[Any, ...]]) -> list[Any]:
    """Sends `commands` in one write and reads every reply, an error reply included (as the
    exception, not raised), so that the connection is left with nothing unread."""
    connection.send_packed_command(connection.pack_commands(commands))
    replies = []
    for _ in commands:
        try:
            replies.append(connection.read_response())
        except redis.ResponseError as error:
            replies.append(error)
    return replies


def _connection_for_scripts() -> Any:
    pool, mine = client().connection_pool, _script_connection
    # A forked child (gunicorn's workers) must not share its parent's socket, and a client
    # made anew (another REDIS_URL, in tests) brings a pool of its own.
    if mine.connection is None or mine.pool is not pool or mine.pid != os.getpid():
        # Made as the pool makes its own (Sentinel's finds the primary when it connects), but
        # outside the pool's count, which caps it at 100: the thread keeps it until it ends.
        mine.connection = pool.connection_class(**pool.connection_kwargs)
        mine.pool, mine.pid = pool, os.getpid()
    if not mine.connection.is_connected:
        # Its own connect(), as the pool calls it: a send would connect by itself, but to the
        # address it was made with, not to the primary Sentinel names.
        mine.connection.connect()
    return mine.connection


def ping() -> bool:
    try:
        return bool(client().ping())
    except redis.RedisError:
        return False


@receiver(setting_changed)
def _forget_client(*, setting: str, **kwargs: Any) -> None:
    # A test (or a command) that points REDIS_URL elsewhere gets a client for the new Redis.
    if setting in (
        "REDIS_URL",
        "REDIS_SENTINELS",
        "REDIS_SENTINEL_MASTER",
        "REDIS_USERNAME",
        "REDIS_PASSWORD",
    ):
        client.cache_clear()
        script.cache_clear()
