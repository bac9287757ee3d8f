"""The outbox relay: turns new booking-log entries into confirmation jobs, in batches.

The booking request never talks to RQ (enqueueing inside the request halved booking
throughput); the booking script's stream entry is the outbox. The relay reads it through a
consumer group, enqueues one job per booking in one pipeline, and only then acknowledges the
entries, so a relay killed in between finds them again in its pending list and relays them
again. Job ids come from references, and a re-relayed booking whose job still exists is skipped.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import django_rq
from django.conf import settings
from rq import Queue
from rq.job import Job, Retry

from registration.jobs import confirmation_send_job
from registration.references import reference_for
from vaksin import store

logger = logging.getLogger(__name__)

QUEUE = "confirmations"
# Backoff for a failing gateway: about two hours in all, then the job stays in the failed
# registry (the queue dashboard in the admin) for staff to see and requeue. The first retry is
# immediate: it is also how the job of a killed worker comes back, and a scheduled retry would
# wait for the scheduler lock, which a killed worker may have held for up to a minute.
RETRY = Retry(max=8, interval=[0, 15, 60, 300, 600, 1200, 1800, 3600])
FINISHED_TTL = 600
FAILED_TTL = 60 * 60 * 24 * 30
# Entries another relay read and held this long were left by a relay that died.
ABANDONED_MS = 60_000


def job_id_for(reference: str) -> str:
    return f"confirmation-{reference}"


@dataclass
class RelayCounts:
    entries: int = 0
    enqueued: int = 0


def relay_entries(entries: store.Entries, *, queue: Queue, recheck: bool = False) -> int:
    """Enqueues the bookings among `entries`, then acknowledges all of them; returns the jobs
    enqueued. With recheck, skips bookings whose job already exists (a relay run again)."""
    references = [
        reference_for(store.entry_number(entry_id))
        for entry_id, fields in entries
        if fields.get("kind") == "booked"
    ]
    if recheck and references:
        pipe = queue.connection.pipeline(transaction=False)
        for reference in references:
            pipe.exists(Job.key_for(job_id_for(reference)))
        present = pipe.execute()
        references = [ref for ref, found in zip(references, present, strict=True) if not found]
    if references:
        jobs = [
            Queue.prepare_data(
                confirmation_send_job,
                args=(reference,),
                job_id=job_id_for(reference),
                timeout=settings.CONFIRMATION_JOB_TIMEOUT,
                result_ttl=FINISHED_TTL,
                failure_ttl=FAILED_TTL,
                retry=RETRY,
            )
            for reference in references
        ]
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    store.outbox_ack([entry_id for entry_id, _ in entries])
    return len(references)


def relay_run(
    *,
    consumer: str,
    batch: int = 500,
    block_ms: int = 1000,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[RelayCounts], None] = lambda counts: None,
) -> RelayCounts:
    """Relays until should_stop() is true, one batch at a time."""
    queue = django_rq.get_queue(QUEUE)
    store.outbox_group_create()
    counts = RelayCounts()

    def relay(entries: store.Entries, recheck: bool) -> None:
        counts.entries += len(entries)
        counts.enqueued += relay_entries(entries, queue=queue, recheck=recheck)
        on_batch(counts)

    # First, what this consumer read before but never acknowledged: it was killed in between.
    while not should_stop() and (
        pending := store.outbox_read(consumer=consumer, count=batch, block_ms=0, pending=True)
    ):
        relay(pending, recheck=True)
    next_sweep = 0.0
    while not should_stop():
        if time.monotonic() >= next_sweep:
            # Entries a relay under another name took and never acknowledged: it died.
            if claimed := store.outbox_claim_idle(
                consumer=consumer, idle_ms=ABANDONED_MS, count=batch
            ):
                relay(claimed, recheck=True)
            next_sweep = time.monotonic() + 10
        if entries := store.outbox_read(consumer=consumer, count=batch, block_ms=block_ms):
            relay(entries, recheck=False)
    return counts
