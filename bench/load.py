"""Drives a URL with wrk for a bounded time and reads back what wrk measured."""

import re
import signal
import subprocess
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from bench.stack import bench_token

SCRIPT = Path(__file__).resolve().parent / "wrk" / "load.lua"


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and timeouts
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, *statuses: int) -> int:
        return sum(self.statuses.get(status, 0) for status in statuses)

    def surprises(self, expected: Collection[int]) -> str:
        """What in the answers a scenario did not expect ('' when nothing)."""
        found = []
        if not self.requests:
            found.append("no answer at all")
        unexpected = {s: n for s, n in sorted(self.statuses.items()) if s not in expected}
        if unexpected:
            found.append(", ".join(f"{n:,} x {s}" for s, n in unexpected.items()))
        if self.errors:
            found.append(f"{self.errors:,} socket errors or timeouts")
        return "; ".join(found)


def combined(*results: LoadResult) -> LoadResult:
    """Several runs of one scenario as one: requests, time and answers added up; of the
    latencies, which cannot be added, the worse of each."""
    statuses: dict[int, int] = {}
    for result in results:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return LoadResult(
        requests=sum(result.requests for result in results),
        seconds=sum(result.seconds for result in results),
        p50_ms=max(result.p50_ms for result in results),
        p99_ms=max(result.p99_ms for result in results),
        errors=sum(result.errors for result in results),
        statuses=statuses,
    )


def command(
    url: str,
    *args: str,
    seconds: int,
    connections: int = 64,
    threads: int = 2,
    headers: Collection[str] = (),
) -> list[str]:
    """The wrk command line; `args` go to bench/wrk/load.lua (mode and its options)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"load tests target loopback only, not {url}")
    # Bookings come from a verified phone (bench/stack.py's BENCH_PHONE); other paths ignore it.
    headers = [*headers, f"Authorization: Bearer {bench_token()}"]
    return [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        *(option for header in headers for option in ("-H", header)),
        "-s", str(SCRIPT), url, "--", *args,
    ]  # fmt: skip


def parse(output: str) -> LoadResult:
    statuses = {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M)}
    latency = re.search(r"^LATENCY (\d+) (\d+) (\d+)$", output, re.M)
    total = re.search(r"^TOTAL (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    if not latency or not total:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    p50, p99, _ = (int(v) for v in latency.groups())
    requests, duration_us, errors, _ = (int(v) for v in total.groups())
    return LoadResult(
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        errors=errors,
        statuses=statuses,
    )


def wrk(
    url: str,
    *args: str,
    seconds: int = 10,
    connections: int = 64,
    threads: int = 2,
    headers: Collection[str] = (),
) -> LoadResult:
    """Runs wrk against a loopback URL for `seconds`."""
    line = command(
        url, *args, seconds=seconds, connections=connections, threads=threads, headers=headers
    )
    return parse(
        subprocess.run(
            line, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    )


def wrk_until(
    url: str, *args: str, limit: int, done: Callable[[], bool]
) -> tuple[LoadResult, float | None]:
    """Runs wrk until `done()` (checked four times a second) or `limit` seconds; returns what
    it measured and the seconds until done, or None when it never was."""
    load = subprocess.Popen(command(url, *args, seconds=limit), stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    finished = None
    while load.poll() is None and time.monotonic() - started < limit:
        if done():
            finished = time.monotonic() - started
            break
        time.sleep(0.25)
    # wrk prints its summary, done() included, when interrupted.
    load.send_signal(signal.SIGINT)
    output, _ = load.communicate(timeout=60)
    return parse(output), finished
