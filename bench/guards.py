"""Figures the bench refuses to believe. Each guard returns the problem it found ('' when the
figure is possible), so that a test can feed it a made-up result; `make bench` lists every
problem and exits 1. A missed target is not a problem: it is a finding, printed as missed."""

import statistics
from collections.abc import Sequence

# The trivial view is the ceiling: nothing heavier served by the same stack in the same pass
# can be faster. Two runs of the same view differ by a few per cent on these shared cores.
CEILING_SLACK = 1.05


def median_ratio(rounds: Sequence[float]) -> float:
    return statistics.median(rounds) if rounds else 0.0


def above_ceiling(what: str, rounds: Sequence[float]) -> str:
    """A heavier path measured faster than the trivial view beside it (the median of its
    rounds' ratios): the ceiling was measured on a busier machine, not the path."""
    ratio = median_ratio(rounds)
    if ratio > CEILING_SLACK:
        shown = ", ".join(f"{r:.2f}" for r in rounds)
        return (
            f"{what}: {ratio:.2f} x the trivial view measured beside it (rounds {shown}); "
            f"nothing heavier can pass {CEILING_SLACK:.2f} x"
        )
    return ""


def above_servable(what: str, per_second: float, ceiling: float) -> str:
    """A rate the stack cannot serve: more than the trivial view's rate in the same pass."""
    if ceiling <= 0:
        return f"{what}: no trivial rate beside it to judge {per_second:,.0f}/s against"
    if per_second > CEILING_SLACK * ceiling:
        return (
            f"{what}: {per_second:,.0f}/s is more than the stack serves of its trivial view "
            f"({ceiling:,.0f}/s in the same pass)"
        )
    return ""


# The export writes its rows by the same COPY into the same table as the raw COPY it is judged
# against, in chunks, with the next chunk read from Redis meanwhile: at its best it takes the
# raw COPY's time, and the raw COPY alone ran at 52,659 to 76,706 rows/s in five fresh-clone
# runs on these cores. An export that found its rows already copied is six or more times
# faster ("428,277 rows in 0.1 s" against 0.63 s).
EXPORT_SLACK = 2.0


def export_faster_than_copy(rows: int, export_seconds: float, copy_seconds: float) -> str:
    """An export that read and copied its rows clearly faster than a raw COPY of the same rows
    into the same table did not export them: it found them already there."""
    if rows <= 0:
        return "export: no rows to time"
    if export_seconds * EXPORT_SLACK < copy_seconds:
        return (
            f"export: {rows:,} rows in {export_seconds:.2f} s, faster than a raw COPY of the "
            f"same rows ({copy_seconds:.2f} s) by more than the noise of one COPY to the next: "
            "the export had nothing to do"
        )
    return ""


def negative_lag(what: str, lags_ms: Sequence[float]) -> str:
    """A confirmation sent before its booking was answered: clocks or matching are wrong."""
    if lags_ms and min(lags_ms) < 0:
        return f"{what}: a lag below zero ({min(lags_ms):,.0f} ms)"
    return ""


def edge_refreshes_too_few(what: str, *, fetched: int, seconds: float) -> str:
    """An edge that holds the listing for 1 s refreshes it at least every other second: nginx
    counts a copy's life in whole seconds and keeps it fresh through the second after the one
    it was fetched in, so max-age=1 gives one refresh every one to two seconds. Far fewer
    origin requests than that means the origin's count is not the edge's (no log, wrong log,
    an edge that never expires its copy). Two may go missing at the ends besides the fill."""
    expected = int(seconds) // 2 - 2
    if fetched < expected:
        return (
            f"{what}: {fetched} origin requests in {seconds:.0f} s behind the edge, below its "
            f"refresh of one every two seconds at the least"
        )
    return ""


def stored_more_than_told(what: str, *, told: int, stored: int, in_flight: int) -> str:
    """A design that stored more bookings than it told people, beyond the requests wrk left
    in flight when it stopped (one per connection): its count is wrong."""
    if stored > told + in_flight:
        return (
            f"{what}: {stored:,} stored but {told:,} told yes (at most {in_flight} in flight "
            "when the load stopped)"
        )
    return ""


# Per-request CPU of one view measured twice in a run differs by about a tenth on these cores.
FLOOR_SLACK = 0.9


def below_floor(what: str, *, spent: float, requests: float, per_request: float) -> str:
    """A journey that cost the stack less CPU than its requests would at the trivial view's
    CPU each: every page, post and redirect goes through the same stack as the trivial view
    (gunicorn and the whole middleware) and does more, so the CPU meter missed part of the
    journey's work. Were the pages given a leaner door than the trivial view's, this floor
    would have to be measured through that door."""
    floor = requests * per_request
    if per_request <= 0:
        return f"{what}: no trivial view's CPU beside it to judge {spent * 1e3:,.1f} ms against"
    if spent < FLOOR_SLACK * floor:
        return (
            f"{what}: {spent * 1e3:,.1f} ms of CPU, less than its {requests:.1f} requests cost "
            f"at the trivial view's {per_request * 1e6:,.0f} µs each ({floor * 1e3:,.1f} ms)"
        )
    return ""
