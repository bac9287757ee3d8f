"""The table `make bench` prints and writes to BENCHMARKS.md, with the targets it missed and the
problems that make a figure impossible to trust."""

import datetime
import os
import platform
import subprocess
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import django

from bench.load import LoadResult


def rate(result: LoadResult) -> str:
    return f"{result.per_second:,.0f}/s"


def latency(result: LoadResult) -> str:
    return f"p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms"


@dataclass
class Figures:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (what, figure, note)
    # A target missed is a finding; a problem means a figure cannot be trusted, and fails the run.
    missed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, what: str, figure: str, note: str = "") -> None:
        self.rows.append((what, figure, note))
        print(f"  {what:<62} {figure:>16}  {note}", flush=True)

    def expect(self, what: str, result: LoadResult, statuses: Collection[int]) -> None:
        """Lists as a problem any answer of a scenario other than `statuses`."""
        if surprises := result.surprises(statuses):
            self.problems.append(
                f"{what}: {surprises} (expected only {', '.join(map(str, sorted(statuses)))})"
            )

    def refuse(self, problem: str) -> None:
        """A guard's finding (bench/guards.py): a figure that cannot be true fails the run."""
        if problem:
            self.problems.append(problem)
            print(f"  PROBLEM: {problem}", flush=True)

    def target(self, what: str, figure: str, *, met: bool, target: str, note: str) -> None:
        """A figure with its target beside it; a miss is shown in the row and listed."""
        verdict = f"target {target}: " + ("met" if met else "**MISSED**")
        self.add(what, figure, f"{verdict}; {note}")
        if not met:
            self.missed.append(f"{what.strip()} {figure} (target {target})")


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.platform(terse=True)}"


def versions() -> str:
    def first_line(*command: str) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            return (result.stdout or result.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    return "; ".join(
        [
            f"Python {platform.python_version()}",
            f"Django {django.get_version()}",
            first_line("redis-server", "--version").split(" sha=")[0],
            first_line("psql", "--version"),
            first_line("nginx", "-v"),
            first_line("wrk", "--version").split(" [")[0],
        ]
    )


def summary(figures: Figures) -> list[str]:
    return [
        "Targets missed: " + ("none." if not figures.missed else "; ".join(figures.missed)),
        "",
        "Problems found: " + ("none." if not figures.problems else "; ".join(figures.problems)),
    ]


def write_report(
    figures: Figures,
    *,
    seconds: int,
    load_at_start: float,
    path: Path,
    partial: list[str] | None = None,
) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand. Every figure comes from",
        "one run on one machine, each beside its rival from the same run: the machine is shared",
        "and noisy, so read the ratios rather than the absolute numbers.",
        "",
        f"- Run: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{seconds} s per scenario, "
        "wrk with 2 threads and 64 connections (256 at the edge) on the same cores as the server.",
        *([f"- **Partial run**: only {', '.join(partial)}."] if partial else []),
        f"- Machine: {machine()}; load average (1 min) {load_at_start:.1f} before the run "
        f"started (other work on these cores), {os.getloadavg()[0]:.1f} at its end.",
        f"- Versions: {versions()}",
        "- Stack: gunicorn (WEB_CONCURRENCY=4 sync workers), the Procfile's workers, Redis with "
        "appendfsync always, PostgreSQL, nginx as the edge.",
        "",
        "| what | figure | note |",
        "|---|---:|---|",
        *[f"| {what} | {figure} | {note} |" for what, figure, note in figures.rows],
        "",
        *summary(figures),
        "",
    ]
    path.write_text("\n".join(lines))
