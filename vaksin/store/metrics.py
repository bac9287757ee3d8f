"""Operators' counters: totals shared by every process of every node, so any node's /metrics
reports the same figures, and their recent history in buckets of keys.SERIES_SECONDS for the
live dashboard.

The booking script counts its own outcomes (lua/registration/book.lua); the rest is added
here, either on the way (a worker's send record, a code) or from each web process's tally once
a second (vaksin/tally.py).
"""

import time

from vaksin.store import keys
from vaksin.store.connection import answering, client

# An hour of history for the dashboard's charts, and a little more for the chart's left edge.
SERIES_KEEP_SECONDS = 3600 + 120

Numbers = dict[str, float]

# Upper bounds (seconds) of the histograms' buckets: a request's duration, and the delay from a
# booking to its confirmation's send. Each bucket is a field "<name>:<bound>" ("+Inf" last),
# counted on its own; /metrics adds them up into Prometheus's cumulative buckets.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DELAY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


def bucket_bound(bounds: tuple[float, ...], value: float) -> str:
    """The bucket `value` falls in, named by its upper bound as Prometheus writes it."""
    for bound in bounds:
        if value <= bound:
            return repr(bound)
    return "+Inf"


def series_bucket(at: float | None = None) -> int:
    """The history bucket a moment (Unix seconds; now by default) falls in."""
    return int((time.time() if at is None else at) // keys.SERIES_SECONDS)


def metrics_keys(*, at: float | None = None) -> tuple[str, str]:
    """The counters hash and the history bucket a script counting now should write to."""
    return keys.METRICS, keys.series_key(series_bucket(at))


def counters_add(
    totals: Numbers, series: Numbers | None = None, *, at: float | None = None
) -> None:
    """Adds to the shared totals and, when given, to the history bucket of `at`, in one round
    trip. Whole numbers go in with HINCRBY, fractions (seconds summed) with HINCRBYFLOAT."""
    if not totals and not series:
        return
    pipe = client().pipeline(transaction=False)
    for name, value in totals.items():
        _add(pipe, keys.METRICS, name, value)
    if series:
        bucket = keys.series_key(series_bucket(at))
        for name, value in series.items():
            _add(pipe, bucket, name, value)
        pipe.expire(bucket, SERIES_KEEP_SECONDS)
    with answering():
        pipe.execute()


def _add(pipe: object, key: str, name: str, value: float) -> None:
    if isinstance(value, int) or float(value).is_integer():
        pipe.hincrby(key, name, int(value))  # type: ignore[attr-defined]
    else:
        pipe.hincrbyfloat(key, name, value)  # type: ignore[attr-defined]


def counters_set(values: Numbers) -> None:
    """Sets shared gauges that are not sums (when the export last finished, say)."""
    if values:
        with answering():
            client().hset(keys.METRICS, mapping=values)


def counters_read() -> Numbers:
    """Every shared total and gauge, by name; with the waiting lists' offers made, which the
    offering scripts count in a key of their own ("waitlist:offered")."""
    pipe = client().pipeline(transaction=False)
    pipe.hgetall(keys.METRICS).get(keys.OFFERS_MADE)
    with answering():
        found, offered = pipe.execute()
    return {name: float(value) for name, value in found.items()} | {
        "waitlist:offered": float(offered or 0)
    }


def series_read(*, first: int, last: int) -> dict[int, Numbers]:
    """The history buckets first..last (inclusive) that hold anything, in one round trip."""
    pipe = client().pipeline(transaction=False)
    buckets = range(first, last + 1)
    for bucket in buckets:
        pipe.hgetall(keys.series_key(bucket))
    with answering():
        found = pipe.execute()
    return {
        bucket: {name: float(value) for name, value in values.items()}
        for bucket, values in zip(buckets, found, strict=True)
        if values
    }
