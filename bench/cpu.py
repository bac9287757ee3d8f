"""CPU time of process trees, read from /proc: what a stretch of load cost each kind of process.

A process's utime and stime count its own threads; cutime and cstime count its children once
it has reaped them, such as the RQ worker's work horse, forked for each job. Summed over a
process and its live descendants, the four give all the CPU the tree has used so far.
"""

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    parent: int
    ticks: int  # utime + stime + cutime + cstime


def parse_stat(line: str) -> Stat:
    """One /proc/<pid>/stat line. The command name is in parentheses and may hold spaces or
    parentheses itself, so the fields are counted from its last closing parenthesis."""
    fields = line[line.rindex(")") + 2 :].split()
    # fields[0] is the state (field 3 of proc(5)): ppid is field 4, utime..cstime 14 to 17.
    return Stat(parent=int(fields[1]), ticks=sum(int(value) for value in fields[11:15]))


def snapshot() -> dict[int, Stat]:
    stats = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = parse_stat((entry / "stat").read_text())
            except (OSError, ValueError):
                continue  # it ended while we read
    return stats


def tree_seconds(stats: Mapping[int, Stat], root: int) -> float:
    """CPU seconds used by `root` and every live descendant."""
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(stat.parent, []).append(pid)
    ticks, pending = 0, [root]
    while pending:
        pid = pending.pop()
        if pid in stats:
            ticks += stats[pid].ticks
            pending += children.get(pid, [])
    return ticks / TICKS_PER_SECOND


def seconds_by_kind(roots: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process tree."""
    stats = snapshot()
    return {kind: tree_seconds(stats, pid) for kind, pid in roots.items()}


class Meter:
    """CPU of the stack's process trees, less what they spend idle (the workers poll, Redis
    serves its other databases): what a stretch of load itself cost, by kind of process."""

    def __init__(self, roots: Mapping[str, int]) -> None:
        self.roots = dict(roots)
        self.idle_per_second = dict.fromkeys(self.roots, 0.0)

    def calibrate(self, *, window: float = 2.0, tries: int = 6) -> None:
        """Measures the idle rate of a quiet stack: windows of `window` seconds until two in a
        row agree (processes just started are still importing), the lower rate of each kind."""
        self.idle_per_second = dict.fromkeys(self.roots, 0.0)
        last: dict[str, float] | None = None
        for _ in range(tries):
            mark = self.mark()
            time.sleep(window)
            elapsed = time.monotonic() - mark[1]
            rates = {kind: used / elapsed for kind, used in self.spent(mark).items()}
            if last and abs(sum(rates.values()) - sum(last.values())) <= 0.2 * sum(last.values()):
                self.idle_per_second = {kind: min(rates[kind], last[kind]) for kind in rates}
                return
            last = rates
        self.idle_per_second = last or self.idle_per_second

    def mark(self) -> tuple[dict[str, float], float]:
        return seconds_by_kind(self.roots), time.monotonic()

    def spent(self, mark: tuple[dict[str, float], float]) -> dict[str, float]:
        """CPU seconds by kind since `mark`, less the idle rate over the time since."""
        before, started = mark
        now, elapsed = seconds_by_kind(self.roots), time.monotonic() - started
        return {
            kind: max(0.0, now[kind] - before[kind] - self.idle_per_second.get(kind, 0.0) * elapsed)
            for kind in self.roots
        }

    def total(self, mark: tuple[dict[str, float], float]) -> float:
        return sum(self.spent(mark).values())
