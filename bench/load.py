"""Drives a URL with wrk for a bounded time and reads back what wrk measured."""

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

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


def wrk(
    url: str,
    *args: str,
    seconds: int = 10,
    connections: int = 64,
    threads: int = 2,
) -> LoadResult:
    """Runs wrk against a loopback URL; `args` go to bench/wrk/load.lua (mode and its options)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"load tests target loopback only, not {url}")
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(SCRIPT), url, "--", *args,
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    statuses = {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M)}
    p50, p99, _ = (int(v) for v in re.search(r"^LATENCY (\d+) (\d+) (\d+)$", output, re.M).groups())  # type: ignore[union-attr]
    requests, duration_us, errors, _ = (
        int(v)
        for v in re.search(r"^TOTAL (\d+) (\d+) (\d+) (\d+)$", output, re.M).groups()  # type: ignore[union-attr]
    )
    return LoadResult(
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        errors=errors,
        statuses=statuses,
    )
