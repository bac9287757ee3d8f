"""The outbox relay: turns new booking-log entries into confirmation jobs, one job per batch.

The booking request never talks to RQ: the booking script's stream entry is the outbox. The
relay reads it through a consumer group and enqueues one job per batch of bookings, because
RQ's own bookkeeping per job (each write fsynced) could not keep up with a job per booking
(docs/operations.md, "Why a relay, and why batches"). A short wait fills thin batches.

The jobs of one read are enqueued in one transaction and only then are the entries
acknowledged, so a relay killed in between finds the same entries pending, cuts them into the
same batches, and skips those whose job exists (job ids come from the batch's numbers).

The relay process (`manage.py relay_outbox`) also sends the one-time codes, from an outbox of
their own, in a thread beside this loop (phones/sending.py).
"""

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import django_rq
from django.conf import settings
from rq import Queue
from rq.job import Job, Retry

from confirmations.messages import is_sent
from phones.sending import CodeSender
from registration.references import number_for, reference_for
from vaksin.runloop import run_until_stopped, sleep_unless_stopped
from vaksin.store import keys, outbox
from vaksin.switches import confirmations_paused

QUEUE = "confirmations"
JOB = "confirmations.jobs.confirmations_send_job"
# Backoff for a failing gateway: about two hours in all, then the job stays in the failed
# registry (the queue dashboard in the admin) for staff to see and requeue. The first retry is
# immediate: it is also how the job of a killed worker comes back, and a scheduled retry would
# wait for the scheduler lock, which a killed worker may have held for up to a minute.
RETRY = Retry(max=8, interval=[0, 15, 60, 300, 600, 1200, 1800, 3600])
FINISHED_TTL = 600
FAILED_TTL = 60 * 60 * 24 * 30
# Entries another relay read and held this long were left by a relay that died.
ABANDONED_MS = 60_000
logger = logging.getLogger(__name__)

JOB_ID_PREFIX = "confirmations-"
# While confirmations are paused, how often the relay looks whether they were resumed.
PAUSED_POLL_SECONDS = 0.5


def batch_job_id(references: list[str]) -> str:
    """`confirmations-<first>-<last>`: the booking numbers a batch starts and ends with."""
    return f"{JOB_ID_PREFIX}{number_for(references[0])}-{number_for(references[-1])}"


def batch_span(job_id: str) -> tuple[int, int] | None:
    """The first and last booking numbers a batch job id names (a batch waiting for the SMS
    budget has a suffix after them), or None for another job."""
    first, _, rest = job_id.removeprefix(JOB_ID_PREFIX).partition("-")
    last = rest.partition("-")[0]
    if not job_id.startswith(JOB_ID_PREFIX) or not (first.isdigit() and last.isdigit()):
        return None
    return int(first), int(last)


def batches_of(references: list[str], size: int) -> list[list[str]]:
    return [references[start : start + size] for start in range(0, len(references), size)]


def enqueue_batches(
    batches: list[list[str]], *, queue: Queue, recheck: bool = False
) -> list[list[str]]:
    """Enqueues one job per batch of references, all in one transaction; returns the batches
    enqueued. With recheck, skips batches whose job exists already (a relay run again)."""
    if recheck and batches:
        pipe = queue.connection.pipeline(transaction=False)
        for batch in batches:
            pipe.exists(Job.key_for(batch_job_id(batch)))
        present = pipe.execute()
        batches = [batch for batch, found in zip(batches, present, strict=True) if not found]
    if batches:
        jobs = [
            Queue.prepare_data(
                JOB,
                args=(batch,),
                job_id=batch_job_id(batch),
                description=f"Confirmations of {len(batch)} bookings, {batch[0]} to {batch[-1]}",
                timeout=settings.CONFIRMATION_JOB_TIMEOUT,
                result_ttl=FINISHED_TTL,
                failure_ttl=FAILED_TTL,
                retry=RETRY,
            )
            for batch in batches
        ]
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    return batches


def enqueue_batch_later(batch: list[str], *, seconds: int, queue: Queue) -> None:
    """A batch the SMS budget had no room for, queued again for when it has (RQ's scheduler,
    which the confirmations worker runs, enqueues it then). Its id has the moment as a suffix:
    the job that could not send it may still be running under the batch's own id."""
    seconds = max(seconds, 1)
    queue.enqueue_in(
        datetime.timedelta(seconds=seconds),
        JOB,
        batch,
        job_id=f"{batch_job_id(batch)}-{int(time.time()) + seconds}",
        description=f"Confirmations of {len(batch)} bookings waiting for the SMS budget, "
        f"{batch[0]} to {batch[-1]}",
        job_timeout=settings.CONFIRMATION_JOB_TIMEOUT,
        result_ttl=FINISHED_TTL,
        failure_ttl=FAILED_TTL,
        retry=RETRY,
    )


@dataclass
class RelayCounts:
    entries: int = 0
    enqueued: int = 0  # bookings
    jobs: int = 0


def relay_entries(entries: outbox.Entries, *, queue: Queue, recheck: bool = False) -> RelayCounts:
    """Enqueues the entries that get a message (bookings, cancellations, offers) in batches,
    then acknowledges all the entries."""
    references = [
        reference_for(keys.entry_number(entry_id))
        for entry_id, fields in entries
        if is_sent(fields)
    ]
    enqueued = enqueue_batches(
        batches_of(references, settings.CONFIRMATION_BATCH_SIZE), queue=queue, recheck=recheck
    )
    outbox.outbox_ack([entry_id for entry_id, _ in entries])
    return RelayCounts(
        entries=len(entries), enqueued=sum(len(batch) for batch in enqueued), jobs=len(enqueued)
    )


def relay_run(
    *,
    consumer: str,
    batch: int = 500,
    block_ms: int = 1000,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[RelayCounts], None] = lambda counts: None,
    send_codes: bool = False,
    relay_bookings: bool = True,
) -> RelayCounts:
    """Relays until should_stop() is true, reading up to `batch` entries at a time.

    While operators have paused confirmations it takes no new entries. A Redis outage stops
    nothing: the relay waits (half a second, doubling to ten) and starts
    again from what it read but never acknowledged, which the consumer group kept for it.

    With send_codes, the one-time codes are sent too, from the code outbox, in a thread of
    their own that neither waits for the bookings nor pauses with confirmations
    (phones/sending.py); without relay_bookings, only they."""
    counts = RelayCounts()
    sender = CodeSender(consumer=consumer, should_stop=should_stop).start() if send_codes else None

    def stopping() -> bool:
        # A code sender that died takes the relay with it: the process exits and is restarted.
        return should_stop() or (sender is not None and not sender.running())

    def step() -> float:
        if not relay_bookings:
            sleep_unless_stopped(1.0, stopping)
            return 0.0
        _relay(counts, consumer=consumer, batch=batch, block_ms=block_ms,
               should_stop=stopping, on_batch=on_batch)  # fmt: skip
        return 0.0

    run_until_stopped(step, name="relay", should_stop=stopping)
    if sender is not None:
        sender.join()
    return counts


def _relay(
    counts: RelayCounts,
    *,
    consumer: str,
    batch: int,
    block_ms: int,
    should_stop: Callable[[], bool],
    on_batch: Callable[[RelayCounts], None],
) -> None:
    queue = django_rq.get_queue(QUEUE)
    outbox.outbox_group_create()
    fill_seconds = settings.CONFIRMATION_BATCH_WAIT_MS / 1000

    def relay(entries: outbox.Entries, recheck: bool) -> None:
        done = relay_entries(entries, queue=queue, recheck=recheck)
        counts.entries += done.entries
        counts.enqueued += done.enqueued
        counts.jobs += done.jobs
        on_batch(counts)

    # First, what this consumer read before but never acknowledged: it was killed in between.
    while not should_stop() and (
        pending := outbox.outbox_read(consumer=consumer, count=batch, block_ms=None, pending=True)
    ):
        relay(pending, recheck=True)
    next_sweep = 0.0
    while not should_stop():
        if confirmations_paused():
            # Operators paused confirmations: new bookings wait in the log, none is lost.
            time.sleep(PAUSED_POLL_SECONDS)
            continue
        if time.monotonic() >= next_sweep:
            # Entries a relay under another name took and never acknowledged: it died.
            if claimed := outbox.outbox_claim_idle(
                consumer=consumer, idle_ms=ABANDONED_MS, count=batch
            ):
                relay(claimed, recheck=True)
            next_sweep = time.monotonic() + 10
        entries = outbox.outbox_read(consumer=consumer, count=batch, block_ms=block_ms)
        if entries and len(entries) < batch and fill_seconds:
            # A trickle: let the batch fill for a moment rather than enqueue a job per booking.
            time.sleep(fill_seconds)
            entries += outbox.outbox_read(
                consumer=consumer, count=batch - len(entries), block_ms=None
            )
        if entries:
            relay(entries, recheck=False)
