"""The lazy Redis client, the one exception type and the Lua scripts (loaded once, run by SHA)."""

import re
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


@cache
def client() -> Any:
    """The shared client (a redis.Redis with decode_responses=True).

    Typed Any on purpose: redis-py's annotations cannot express decode_responses, so they type
    every reply as bytes | str | None; the functions of this package state what they return.
    """
    return redis.Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
    )


@contextmanager
def answering() -> Iterator[None]:
    """Turns a Redis that cannot be reached, or is too busy to answer, into StoreError."""
    try:
        yield
    except REDIS_GONE as error:
        raise StoreError(str(error)) from error


# A script that starts with "-- uses: book waitlist" runs those scripts as local functions
# `book(KEYS, ARGV)` and `waitlist(KEYS, ARGV)`: one script, so still one atomic step, and the
# booking an offer makes is decided by the very same book.lua as any other booking.
USES = re.compile(r"\A-- uses:((?: [a-z_]+)+)\n")


def script_source(name: str) -> str:
    """The text Redis runs for script `name`: its file, after the scripts it uses."""
    source = (SCRIPTS / f"{name}.lua").read_text()
    found = USES.match(source)
    used = found.group(1).split() if found else []
    return (
        "".join(
            f"local {each} = function(KEYS, ARGV)\n{script_source(each)}\nend\n" for each in used
        )
        + source
    )


@cache
def script(name: str) -> Script:
    # register_script calls by SHA and reloads the source only when Redis has forgotten it.
    return client().register_script(script_source(name))


def run_script(name: str, *, keys: list[str], args: list[Any]) -> list[Any]:
    with answering():
        return script(name)(keys=keys, args=args)


def ping() -> bool:
    try:
        return bool(client().ping())
    except redis.RedisError:
        return False


@receiver(setting_changed)
def _forget_client(*, setting: str, **kwargs: Any) -> None:
    # A test (or a command) that points REDIS_URL elsewhere gets a client for the new Redis.
    if setting == "REDIS_URL":
        client.cache_clear()
        script.cache_clear()
