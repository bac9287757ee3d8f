"""The RQ worker class for confirmations (settings.RQ["WORKER_CLASS"]).

RQ notices a job whose worker died (kill -9, out of memory) only when the job's heartbeat
lapses and a worker next runs its maintenance. Its defaults, a 60 s heartbeat margin and
maintenance every 10 minutes (and not at all while a worker idles on an empty queue), would
leave such a confirmation unsent for up to ten minutes; these keep it under a minute.
"""

from typing import Any

from rq import Worker
from rq.job import Job

from vaksin.env import env_int

HEARTBEAT_SECONDS = 5
HEARTBEAT_MARGIN_SECONDS = 10


class ConfirmationWorker(Worker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("job_monitoring_interval", HEARTBEAT_SECONDS)
        kwargs.setdefault(
            "maintenance_interval", env_int("CONFIRMATION_MAINTENANCE_SECONDS", 15, minimum=1)
        )
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        if job.timeout and job.timeout > 0:
            remaining = job.timeout - working_time
            return int(min(remaining, self.job_monitoring_interval)) + HEARTBEAT_MARGIN_SECONDS
        return self.job_monitoring_interval + HEARTBEAT_MARGIN_SECONDS

    @property
    def dequeue_timeout(self) -> int:
        # Wake from an empty queue often enough to run maintenance: that is what retries the
        # job of a worker that died.
        return max(1, min(self.worker_ttl - 15, int(self.maintenance_interval)))
