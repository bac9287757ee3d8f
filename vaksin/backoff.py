"""Waiting out an outage: a long-running process that cannot reach Redis or PostgreSQL waits
and tries again, longer each time up to a ceiling, and never exits on its own."""

import random


class Backoff:
    """Seconds to wait after each failure in a row: 1, 2, 4, ... up to `ceiling`, each with a
    little jitter so that many processes do not retry in step; reset() after a success."""

    def __init__(self, *, first: float = 1.0, ceiling: float = 30.0) -> None:
        self.first, self.ceiling = first, ceiling
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        wait = min(self.first * 2 ** (self.failures - 1), self.ceiling)
        return wait * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self.failures = 0
