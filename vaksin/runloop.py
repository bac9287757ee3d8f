"""Running until stopped: each long-lived process (the relay, the export, the waiting lists'
sweep, the confirmation worker) repeats a step, and waits out an outage of Redis or
PostgreSQL, longer each time up to a ceiling, rather than exit: nothing is lost by waiting,
and a process that exits needs someone to notice it."""

import logging
import random
import time
from collections.abc import Callable

import redis
from django.db.utils import InterfaceError, OperationalError

from vaksin.store import StoreError
from vaksin.store.connection import redis_outage

logger = logging.getLogger(__name__)

# Waits between tries while a store is away: from half a second, doubling, to ten.
OUTAGE_FIRST_SECONDS, OUTAGE_MOST_SECONDS = 0.5, 10.0


class Backoff:
    """Seconds to wait after each failure in a row: first, twice that, ... up to `ceiling`,
    each with a little jitter so that many processes do not retry in step; reset() after a
    success."""

    def __init__(
        self, *, first: float = OUTAGE_FIRST_SECONDS, ceiling: float = OUTAGE_MOST_SECONDS
    ) -> None:
        self.first, self.ceiling = first, ceiling
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        wait = min(self.first * 2 ** (self.failures - 1), self.ceiling)
        return wait * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self.failures = 0


def store_outage(error: BaseException) -> bool:
    """Whether an error means Redis or PostgreSQL is away (or refusing writes for now): what
    every loop waits out."""
    if isinstance(error, StoreError | OperationalError | InterfaceError):
        return True
    return isinstance(error, redis.RedisError) and redis_outage(error)


def sleep_unless_stopped(seconds: float, should_stop: Callable[[], bool]) -> None:
    """Sleeps up to `seconds`, waking early to stop."""
    deadline = time.monotonic() + seconds
    while not should_stop() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))


def run_until_stopped(
    step: Callable[[], float],
    *,
    name: str,
    should_stop: Callable[[], bool],
    outage: Callable[[BaseException], bool] = store_outage,
    on_outage: Callable[[BaseException, float], None] | None = None,
    ceiling: float = OUTAGE_MOST_SECONDS,
) -> int:
    """Calls step() until should_stop(); step returns the seconds to wait before the next
    call. An error `outage` recognises is logged and waited out with back-off (`on_outage`
    is told of it and the wait first); any other error raises. Returns how many steps
    finished."""
    backoff, finished = Backoff(ceiling=ceiling), 0
    while not should_stop():
        try:
            wait = step()
        except Exception as error:
            if not outage(error):
                raise
            delay = backoff.next()
            if on_outage is not None:
                on_outage(error, delay)
            else:
                logger.warning(
                    "%s: a store is away, waiting", name,
                    extra={"error": type(error).__name__, "wait": round(delay, 2)},
                )  # fmt: skip
            sleep_unless_stopped(delay, should_stop)
            continue
        backoff.reset()
        finished += 1
        sleep_unless_stopped(wait, should_stop)
    return finished
