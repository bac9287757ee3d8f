"""The trivial view (the ceiling) measured beside every run it divides.

On shared cores the trivial view's rate moved from 915/s to 2,967/s within one run: measured
once, it made a heavier path look faster than it. Here a short trivial run is taken before and
after each scenario's run (T A T B T ...), each run is divided by the mean of the two trivial
runs around it, and a row reports the median of its rounds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.cpu import Meter
from bench.guards import median_ratio
from bench.load import LoadResult


@dataclass
class Timeline:
    """Every run in the order it was made; the trivial view's runs are named TRIVIAL."""

    trivial: Callable[[], LoadResult]
    runs: list[tuple[str, LoadResult]] = field(default_factory=list)
    # CPU seconds the trivial view's runs cost the stack (every process kind, less its idle
    # rate), and their requests.
    trivial_cpu: float = 0.0
    trivial_requests: int = 0
    meter: Meter | None = None

    TRIVIAL = "trivial"

    def measure_trivial(self) -> LoadResult:
        mark = self.meter.mark() if self.meter else None
        result = self.trivial()
        if self.meter and mark:
            self.trivial_cpu += self.meter.total(mark)
            self.trivial_requests += result.requests
        self.runs.append((self.TRIVIAL, result))
        return result

    def measure(self, name: str, run: Callable[[], LoadResult]) -> LoadResult:
        """`run` with a trivial run just before it (unless the last run was one) and after it."""
        if not self.runs or self.runs[-1][0] != self.TRIVIAL:
            self.measure_trivial()
        result = run()
        self.record(name, result)
        self.measure_trivial()
        return result

    def record(self, name: str, result: LoadResult) -> None:
        """A run measured by the caller; the caller measures the trivial view around it."""
        self.runs.append((name, result))

    def rounds(
        self, name: str, *, per_second: Callable[[LoadResult], float] | None = None
    ) -> list[float]:
        """Each run of `name` over the mean of the trivial runs next to it (either side)."""
        rate = per_second or (lambda result: result.per_second)
        ratios = []
        for index, (run_name, result) in enumerate(self.runs):
            if run_name != name:
                continue
            beside = [
                self.runs[i][1].per_second
                for i in (index - 1, index + 1)
                if 0 <= i < len(self.runs) and self.runs[i][0] == self.TRIVIAL
            ]
            if beside:
                ratios.append(rate(result) / (sum(beside) / len(beside)))
        return ratios

    def ratio(self, name: str) -> float:
        return median_ratio(self.rounds(name))

    def trivial_results(self) -> list[LoadResult]:
        return [result for name, result in self.runs if name == self.TRIVIAL]

    def trivial_cpu_per_request(self) -> float:
        """CPU seconds per trivial request, every process kind of the stack counted."""
        return self.trivial_cpu / self.trivial_requests if self.trivial_requests else 0.0

    def describe(self, name: str) -> str:
        """'0.47 x trivial (rounds 0.45, 0.49)' for a row's note."""
        rounds = self.rounds(name)
        shown = ", ".join(f"{r:.2f}" for r in rounds)
        return f"{median_ratio(rounds):.2f} x trivial beside it (rounds {shown})"
