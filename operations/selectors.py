"""What operators see: the figures GET /metrics and the noon dashboard both show, read live.

Each part is read on its own, so that Redis or PostgreSQL being away blanks only what depends
on it; what cannot be read is None, never a made-up zero.
"""

import contextlib
import time
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import timezone

from availability.selectors import places_by_state
from availability.states import STATES
from confirmations.selectors import confirmation_lag_seconds
from vaksin import store
from vaksin.health import database_ping
from vaksin.store import StoreError, keys, metrics, outbox
from vaksin.switches import confirmations_paused, registration_override
from vaksin.window import registration_scheduled_state, registration_state
from warehouse.export import export_lag
from warehouse.set_aside import set_aside_count

HISTORY_SECONDS = 3600


@dataclass(frozen=True)
class StatePlaces:
    code: str
    name: str
    capacity: int
    left: int


@dataclass(frozen=True)
class NoonFigures:
    at: float
    redis_up: bool
    database_up: bool
    counters: dict[str, float]
    places: list[StatePlaces] | None
    outbox_unread: int | None
    outbox_pending: int | None
    confirmation_lag: float | None
    export_pending: int | None
    export_lag: float | None
    export_set_aside: int | None  # bookings the warehouse refused, waiting for staff
    registration: str  # open, closed or not_yet_open, as the public sees it now
    registration_scheduled: str  # what the configured times alone say
    registration_override: str | None  # "open" or "closed" by hand, or None
    confirmations_paused: bool

    def counter(self, name: str) -> float:
        return self.counters.get(name, 0.0)


def _places() -> list[StatePlaces]:
    found = places_by_state(today=timezone.localdate())
    return [
        StatePlaces(code=code, name=STATES.get(code, code), capacity=capacity, left=left)
        for code, (capacity, left) in sorted(found.items())
    ]


def noon_figures() -> NoonFigures:
    now = time.time()
    redis_up, database_up = store.ping(), database_ping()
    counters: dict[str, float] = {}
    places = unread = pending = lag = None
    if redis_up:
        try:
            counters = metrics.counters_read()
            places = _places()
            unread, pending = outbox.outbox_backlog()
            lag = confirmation_lag_seconds(now=now)
        except StoreError:
            redis_up = False
    export_pending, export_seconds, set_aside = None, None, None
    if redis_up and database_up:
        with contextlib.suppress(StoreError):
            export_pending, export_seconds = export_lag(now=now)
    if database_up:
        with contextlib.suppress(DatabaseError):
            set_aside = set_aside_count()
    return NoonFigures(
        at=now,
        redis_up=redis_up,
        database_up=database_up,
        counters=counters,
        places=places,
        outbox_unread=unread,
        outbox_pending=pending,
        confirmation_lag=lag,
        export_pending=export_pending,
        export_lag=export_seconds,
        export_set_aside=set_aside,
        registration=registration_state(),
        registration_scheduled=registration_scheduled_state(),
        registration_override=registration_override(),
        confirmations_paused=confirmations_paused(),
    )


@dataclass(frozen=True)
class History:
    """The last hour in buckets of keys.SERIES_SECONDS, oldest first: each bucket's start
    (Unix seconds) and its counts (empty when nothing happened)."""

    starts: list[float]
    buckets: list[dict[str, float]]

    def per_second(self, *names: str) -> list[float]:
        """The named counts summed, per second, in each bucket."""
        return [
            sum(bucket.get(name, 0.0) for name in names) / keys.SERIES_SECONDS
            for bucket in self.buckets
        ]

    def matching(self, prefix: str) -> set[str]:
        return {name for bucket in self.buckets for name in bucket if name.startswith(prefix)}


def noon_history(*, now: float, seconds: int = HISTORY_SECONDS) -> History:
    """The history up to the last whole bucket (the current one is still filling)."""
    last = metrics.series_bucket(now) - 1
    first = last - seconds // keys.SERIES_SECONDS + 1
    found = metrics.series_read(first=first, last=last)
    return History(
        starts=[bucket * keys.SERIES_SECONDS for bucket in range(first, last + 1)],
        buckets=[found.get(bucket, {}) for bucket in range(first, last + 1)],
    )
