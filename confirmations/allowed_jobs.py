"""What an RQ worker of ours will run: the jobs named here and nothing else, read as JSON.

RQ stores each job in Redis as the name of a function and its arguments, and a worker imports
and calls whatever function a job names; by default it also unpickles the job's data, which
runs code of the writer's choosing. So whoever could write to Redis could run code in our
workers. Here the data is JSON (settings.RQ_QUEUES' SERIALIZER, forced in the worker too),
and a job naming any function not in ALLOWED_JOBS, or calling a method of an object, fails
without anything of it being run (RQ keeps it in the failed registry, whose error says why);
a callback it names is never run (none of ours has one).
"""

import logging
from typing import Any

from rq.job import Job

logger = logging.getLogger(__name__)

# Every job the product enqueues, by the dotted name it enqueues it under.
ALLOWED_JOBS = frozenset(
    {
        "confirmations.jobs.confirmations_send_job",
        "confirmations.jobs.confirmation_resend_job",
        "disputes.jobs.dispute_notice_job",
    }
)


class JobRefused(Exception):
    """A job that names a function we do not run: written to Redis by someone else."""


class AllowedJob(Job):
    """RQ's job, which imports only the functions of ALLOWED_JOBS (settings.RQ["JOB_CLASS"])."""

    @property
    def func(self) -> Any:
        name = self.func_name
        if name not in ALLOWED_JOBS or self.instance is not None:
            raise JobRefused(f"{name!r} is not a job this worker runs")
        return super().func

    # RQ imports a callback by the name the job carries, as it does the function. None is ours,
    # so none is run; not an error, which RQ would raise in the middle of its own bookkeeping.
    @property
    def success_callback(self) -> Any:
        return _no_callback(self._success_callback_name)

    @property
    def failure_callback(self) -> Any:
        return _no_callback(self._failure_callback_name)

    @property
    def stopped_callback(self) -> Any:
        return _no_callback(self._stopped_callback_name)


def _no_callback(name: object) -> None:
    if name:
        logger.warning("job names a callback, not run: %r", name)
