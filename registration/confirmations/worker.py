"""The RQ worker class for confirmations (settings.RQ["WORKER_CLASS"]).

A SimpleWorker: jobs run in the worker process instead of a fork per job. Measured with the
file backend and a job per booking, forking capped two workers at about 100 confirmations/s;
a job (now a batch) is a few Redis round trips plus one gateway request and one record per
message, so the isolation a fork buys is not worth it here. The job timeout still holds.

RQ notices a job whose worker died (kill -9, out of memory) only when the job's registry entry
lapses and a worker next runs its maintenance. Its defaults (timeout + 60 s, maintenance every
10 minutes and not at all while a worker idles on an empty queue) would leave such a
confirmation unsent for up to ten minutes; these bring it down to well under a minute.

Two things RQ does not do, added here: a worker of the confirmations queue takes no job while
operators have paused confirmations (vaksin/switches.py; the batch it is sending finishes), and
a worker outlives a Redis outage. RQ retries a lost connection only while it waits for a job;
anywhere else (its heartbeat, its maintenance, at start) the error ends work() and the process.
"""

import contextlib
import logging
import time
from typing import Any

import redis
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.job import Job

from vaksin.backoff import Backoff
from vaksin.env import env_int
from vaksin.switches import confirmations_paused

logger = logging.getLogger(__name__)

HEARTBEAT_MARGIN_SECONDS = 10
PAUSED_QUEUE = "confirmations"


class ConfirmationWorker(SimpleWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "maintenance_interval", env_int("CONFIRMATION_MAINTENANCE_SECONDS", 15, minimum=1)
        )
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        # A job cannot outlive its timeout, so a little past it the job is surely abandoned.
        if job.timeout and job.timeout > 0:
            return int(job.timeout) + HEARTBEAT_MARGIN_SECONDS
        return super().get_heartbeat_ttl(job, working_time)

    @property
    def dequeue_timeout(self) -> int:
        # Wake from an empty queue often enough to run maintenance: that is what retries the
        # job of a worker that died.
        return max(1, min(self.worker_ttl - 15, int(self.maintenance_interval)))

    def check_for_suspension(self, burst: bool) -> None:
        super().check_for_suspension(burst)
        if PAUSED_QUEUE not in self.queue_names():
            return
        while not self._stop_requested and confirmations_paused():
            if burst:
                return
            # Still alive for RQ's dashboard while it waits.
            self.heartbeat()
            time.sleep(0.5)

    def work(self, burst: bool = False, **options: Any) -> bool:  # type: ignore[override]
        """RQ's work loop, started again after a Redis outage until a stop is asked for."""
        backoff, worked = Backoff(), False
        while True:
            started = time.monotonic()
            try:
                worked = super().work(burst=burst, **options) or worked
            except StopRequested:
                return worked
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("worker cannot reach Redis", extra={"error": type(error).__name__})
            if self._stopping(burst, options):
                return worked
            # RQ's loop ended on its own: Redis went away under it. Wait, then start again.
            if time.monotonic() - started > 60:
                backoff.reset()
            try:
                time.sleep(backoff.next())
            except (StopRequested, redis.ConnectionError, redis.TimeoutError):
                return worked  # a stop asked for while waiting
            if self._stopping(burst, options):
                return worked
            self._forget_registration()

    def _stopping(self, burst: bool, options: dict[str, Any]) -> bool:
        asked = self._stop_requested or self._shutdown_requested_date is not None
        limited = options.get("max_jobs") or options.get("max_idle_time")
        return bool(burst or asked or limited)

    def _forget_registration(self) -> None:
        # RQ refuses to start a worker whose name is registered and not marked dead; a worker
        # whose Redis vanished could not mark itself. It is this very worker: clear it.
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
            self.connection.delete(self.key)
