"""Each web process's tally of the requests it answered (by route and status) and how long
they took, added to the shared counters in Redis once a second by a thread of its own.

In Redis rather than prometheus-client's multiprocess mode, so that every node reports the
whole service from the same totals (the booking outcomes are counted there already), with no
per-node files to clean; a tally costs the request less than a multiprocess metric would
(docs/operations.md, "How the counting stays cheap, measured"). What a process tallied in the
second before a kill -9 is lost; the booking outcomes, which must be exact, are counted by the
booking script itself.
"""

import atexit
import logging
import os
import threading
import time
from collections import defaultdict

from django.conf import settings

from vaksin.store import StoreError, metrics

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.totals: defaultdict[str, float] = defaultdict(float)
        self.series: defaultdict[str, float] = defaultdict(float)
        self.pid = 0

    def request(self, route: str, status: int, seconds: float) -> None:
        """Counts one answered request and its duration."""
        if not settings.METRICS_ENABLED:
            return
        bound = metrics.bucket_bound(metrics.REQUEST_BUCKETS, seconds)
        with self.lock:
            self.totals[f"http:{route}:{status}"] += 1
            self.totals[f"duration:{route}:{bound}"] += 1
            self.totals[f"duration_sum:{route}"] += seconds
            self.series[f"status:{status}"] += 1
        if self.pid != os.getpid():
            self._start()

    def _start(self) -> None:
        # After a fork (gunicorn's workers) the parent's thread is gone: one per process.
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
        threading.Thread(target=self._run, name="tally", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            try:
                self.flush()
            except Exception:
                # Counting must never take a web process down; say so once per failed flush.
                logger.exception("tally flush failed")

    def flush(self) -> None:
        """Adds what was tallied since the last flush to the shared counters. When Redis cannot
        take it, it is kept for the next flush (bounded: one field per route, status and bucket).
        """
        with self.lock:
            totals, series = self.totals, self.series
            self.totals, self.series = defaultdict(float), defaultdict(float)
        if not totals and not series:
            return
        try:
            metrics.counters_add(dict(totals), dict(series))
        except StoreError:
            with self.lock:
                for kept, taken in ((self.totals, totals), (self.series, series)):
                    for name, value in taken.items():
                        kept[name] += value


TALLY = Tally()
atexit.register(TALLY.flush)


def tally_request(route: str, status: int, seconds: float) -> None:
    TALLY.request(route, status, seconds)
