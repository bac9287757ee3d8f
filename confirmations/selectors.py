"""Reads for staff: which RQ job carries a booking's confirmation, and in what state.

Jobs carry batches, so no job is named after a booking. A batch's job id names the first and
last booking numbers it carries, which narrows the search to a few jobs; the queue and RQ's
registries hold a few jobs per thousand bookings, so reading their ids is cheap enough for a
staff page (never for the request path).
"""

from dataclasses import dataclass

import django_rq
from rq.exceptions import NoSuchJobError
from rq.job import Job

from confirmations.relay import QUEUE, batch_span
from registration.references import number_for, reference_for
from vaksin.store import bookings, outbox


@dataclass(frozen=True)
class ConfirmationJob:
    id: str
    status: str


def confirmation_job_for(*, reference: str) -> ConfirmationJob | None:
    """The job carrying this booking's confirmation: failed or waiting for a retry first (what
    staff need to see), then running, queued and recently finished; None when there is none
    (finished long ago, or not relayed yet)."""
    number = number_for(reference)
    if not number:
        return None
    reference = reference_for(number)
    queue = django_rq.get_queue(QUEUE)
    places = [
        queue.failed_job_registry.get_job_ids(cleanup=False),
        queue.scheduled_job_registry.get_job_ids(cleanup=False),
        queue.started_job_registry.get_job_ids(cleanup=False),
        queue.get_job_ids(),
        queue.finished_job_registry.get_job_ids(cleanup=False),
    ]
    for job_ids in places:
        for job_id in reversed(job_ids):  # the newest first: a retry's continuation, say
            span = batch_span(job_id)
            if not span or not span[0] <= number <= span[1]:
                continue
            try:
                job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
            except NoSuchJobError:
                continue
            if job.args and reference in job.args[0]:
                return ConfirmationJob(id=job.id, status=job.get_status().value)
    return None


def confirmation_oldest_waiting() -> int | None:
    """The number of the oldest booking whose confirmation may still be waiting: not relayed
    yet, or in a job queued, running or waiting for a retry (a failed job is staff's to see,
    not a wait). A running batch counts from its first booking, so this may be a batch early.
    """
    queue = django_rq.get_queue(QUEUE)
    job_ids = [
        *queue.get_job_ids(),
        *queue.started_job_registry.get_job_ids(cleanup=False),
        *queue.scheduled_job_registry.get_job_ids(cleanup=False),
    ]
    firsts = [span[0] for job_id in job_ids if (span := batch_span(job_id))]
    if (unrelayed := outbox.outbox_oldest_unrelayed()) is not None:
        firsts.append(unrelayed)
    return min(firsts) if firsts else None


def confirmation_lag_seconds(*, now: float) -> float:
    """How long the oldest booking still waiting for its confirmation has waited (0: none)."""
    number = confirmation_oldest_waiting()
    entry = bookings.read_entry(number) if number else None
    return max(now - int(entry["at"]), 0.0) if entry else 0.0
