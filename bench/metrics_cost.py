"""What counting for operators costs the booking path, for `make bench`: the full booking API
with metrics (the booking script's counts, each process's tally) and without them
(METRICS_ENABLED=0), on two web processes started alike and loaded at the same time, so that
whatever else the shared machine does falls on both sides alike."""

from concurrent.futures import ThreadPoolExecutor

from bench.load import LoadResult, wrk
from bench.report import Figures, latency
from bench.stack import bench_port, environment
from devstack.processes import wait_for
from devstack.stack import Stack
from devstack.starters import procfile

TARGET = 0.95
ROUNDS = 4
# People numbered from here (2 x 10^6 a run for wrk's two threads, the side without metrics
# 10^7 further): clear of every other scenario's.
FIRST_PERSON = 13 * 10**7


def _web(stack: Stack, name: str, *, counted: bool) -> str:
    port = bench_port(stack.origin_port, stack.edge_port)
    env = environment() | {
        "PORT": str(port),
        "WEB_CONCURRENCY": str(stack.web_workers),
        "METRICS_ENABLED": "1" if counted else "0",
    }
    stack.spawn(name, procfile()["web"], env)
    wait_for(f"http://127.0.0.1:{port}/healthz", process=stack.processes[name])
    return f"http://127.0.0.1:{port}"


def _book_both(
    bases: dict[bool, str], first: int, spread: list[str], seconds: int
) -> dict[bool, LoadResult]:
    """Books through both webs at once for the same seconds."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {
            counted: pool.submit(
                wrk,
                f"{base}/api/bookings",
                "book",
                str(first + (0 if counted else 10**7)),
                *spread,
                seconds=seconds,
            )
            for counted, base in bases.items()
        }
        return {counted: run.result() for counted, run in runs.items()}


def run_metrics_cost(stack: Stack, figures: Figures, *, seconds: int, spread: list[str]) -> None:
    bases = {True: _web(stack, "web-counted", counted=True),
             False: _web(stack, "web-uncounted", counted=False)}  # fmt: skip
    runs: dict[bool, list[LoadResult]] = {True: [], False: []}
    try:
        for turn in range(ROUNDS):
            # The side started first takes turns.
            order = dict(sorted(bases.items(), reverse=bool(turn % 2)))
            both = _book_both(order, FIRST_PERSON + turn * 2 * 10**6, spread, seconds)
            for counted, result in both.items():
                figures.expect(
                    f"booking API {'with' if counted else 'without'} metrics", result, {201}
                )
                runs[counted].append(result)
    finally:
        stack.stop("web-counted", "web-uncounted")
    with_, without = (sum(r.requests for r in runs[c]) / sum(r.seconds for r in runs[c])
                      for c in (True, False))  # fmt: skip
    rounds = ", ".join(
        f"{a.per_second / b.per_second:.2f}" for a, b in zip(runs[True], runs[False], strict=True)
    )
    figures.target(
        "Booking API with metrics / without (METRICS_ENABLED=0)",
        f"{with_ / without:.2f} x",
        met=with_ / without >= TARGET,
        target=f">= {TARGET} x",
        note=f"{with_:,.0f}/s against {without:,.0f}/s, both loaded at once; rounds {rounds}; "
        f"with: {latency(runs[True][0])}; without: {latency(runs[False][0])}",
    )
