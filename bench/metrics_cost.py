"""What counting for operators costs the booking path, for `make bench`: the full booking API
with metrics (the booking script's counts, each process's tally) and without them
(METRICS_ENABLED=0), on two web processes started alike and loaded at the same time, so that
whatever else the shared machine does falls on both sides alike. Both book from one verified
phone (its limit lifted) so that every answer is a 201."""

import subprocess

from bench.load import LoadResult, parse
from bench.report import Figures, latency
from bench.stack import ROOT, Stack, environment, procfile
from tests.processes import free_port, wait_for

TARGET = 0.95
PHONE = "+60123000000"
# People numbered from here (2 x 10^6 a run for wrk's two threads, the side without metrics
# 10^7 further): clear of every other scenario's.
FIRST_PERSON = 13 * 10**7
ROUNDS = 4
SCRIPT = ROOT / "bench" / "wrk" / "book_verified.lua"


def _web(stack: Stack, name: str, *, counted: bool) -> str:
    port = free_port()
    env = environment() | {
        "PORT": str(port),
        "WEB_CONCURRENCY": str(stack.web_workers),
        "METRICS_ENABLED": "1" if counted else "0",
        "PHONE_BOOKING_LIMIT": str(10**9),
    }
    stack.spawn(name, procfile()["web"], env)
    wait_for(f"http://127.0.0.1:{port}/healthz", process=stack.processes[name])
    return f"http://127.0.0.1:{port}"


def _book_both(
    bases: dict[bool, str], token: str, first: int, spread: list[str], seconds: int, turn: int
) -> dict[bool, LoadResult]:
    """Books through both webs at once, for the same seconds, the one started first taking
    turns: whatever else the shared machine does in that time, both sides bear it alike."""
    runs = {}
    for counted in (True, False) if turn % 2 else (False, True):
        base = bases[counted]
        people = str(first + (0 if counted else 10**7))
        line = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s",
                "-H", f"Authorization: Bearer {token}", "-s", str(SCRIPT),
                f"{base}/api/bookings", "--", people, *spread]  # fmt: skip
        runs[counted] = subprocess.Popen(line, stdout=subprocess.PIPE, text=True)
    return {
        counted: parse(run.communicate(timeout=seconds + 60)[0]) for counted, run in runs.items()
    }


def run_metrics_cost(stack: Stack, figures: Figures, *, seconds: int, spread: list[str]) -> None:
    from registration.verification import phone_token

    token = phone_token(PHONE).token
    bases = {True: _web(stack, "web-counted", counted=True),
             False: _web(stack, "web-uncounted", counted=False)}  # fmt: skip
    runs: dict[bool, list[LoadResult]] = {True: [], False: []}
    try:
        for turn in range(ROUNDS):
            first = FIRST_PERSON + turn * 2 * 10**6
            both = _book_both(bases, token, first, spread, seconds, turn)
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
