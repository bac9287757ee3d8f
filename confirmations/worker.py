"""The RQ worker class for confirmations (settings.RQ["WORKER_CLASS"]).

A SimpleWorker: a job (a batch) is a few round trips and gateway requests, so a fork per job
costs more than the isolation it buys (docs/operations.md). Its maintenance runs often, and
a heartbeat lapses soon after a job's timeout, so that a job whose worker was killed is
retried within a minute rather than RQ's ten.
"""

import logging
import time
from typing import Any

import redis
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.job import Job
from rq.serializers import JSONSerializer

from vaksin.env import env_int
from vaksin.runloop import Backoff
from vaksin.store.connection import redis_outage
from vaksin.switches import confirmations_paused

logger = logging.getLogger(__name__)

HEARTBEAT_MARGIN_SECONDS = 10
PAUSED_QUEUE = "confirmations"


class ConfirmationWorker(SimpleWorker):
    """RQ's worker, which outlives a Redis outage: RQ itself gives up and exits when Redis
    goes away (or refuses writes for want of replicas, or is demoted by a failover) in the
    middle of a job or a heartbeat, which would leave confirmations unsent
    until someone restarted it. This one waits for Redis, re-registers and works on; the job
    that was running is retried by RQ's maintenance once its heartbeat lapses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "maintenance_interval", env_int("CONFIRMATION_MAINTENANCE_SECONDS", 15, minimum=1)
        )
        # JSON whatever `rqworker --serializer` says (its default is pickle): a job is never
        # unpickled (confirmations/allowed_jobs.py).
        kwargs["serializer"] = JSONSerializer
        super().__init__(*args, **kwargs)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        backoff = Backoff()
        while True:
            try:
                return bool(super().work(*args, **kwargs))
            except redis.RedisError as error:
                if not redis_outage(error):
                    raise
                problem: redis.RedisError = error
            # Registering again needs this worker marked dead first, and a Redis that refuses
            # writes (but answers reads) would otherwise see it still alive: wait until both go.
            while True:
                if self._stop_requested:
                    return False
                delay = backoff.next()
                logger.warning("redis unreachable, waiting %.1f s: %s", delay, problem)
                time.sleep(delay)
                try:
                    self.register_death()
                    break
                except redis.RedisError as error:
                    if not redis_outage(error):
                        raise
                    problem = error

    def check_for_suspension(self, burst: bool) -> None:
        """RQ's `rq suspend` check, and operators' pause of confirmations (vaksin/switches.py):
        a worker of the confirmations queue takes no job while it lasts (the batch it is
        sending finishes). Only that queue: codes must go on while confirmations wait."""
        super().check_for_suspension(burst)
        if PAUSED_QUEUE not in self.queue_names():
            return
        while not self._stop_requested and confirmations_paused():
            if burst:
                raise StopRequested  # as RQ's own suspension ends a burst: nothing taken
            self.heartbeat()  # still alive for RQ's dashboard while it waits
            time.sleep(0.5)

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
