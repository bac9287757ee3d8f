"""RQ jobs of the confirmations. Jobs take references, never objects, and are safe to repeat."""

import django_rq

from confirmations.relay import QUEUE, enqueue_batches
from confirmations.services import (
    confirmation_resend,
    confirmations_send,
    incomplete_error,
)


def confirmations_send_job(references: list[str]) -> dict[str, int]:
    """Sends one relay batch's confirmations; returns how many had each outcome.

    Raises when a send failed or another worker held a claim, so that RQ retries the batch with
    backoff (the retry skips what was sent). What the batch had no time left for goes on in a
    new job of its own: a slow gateway is not a failure and should not use up the retries.
    """
    result = confirmations_send(references=references)
    deferred = result.having("deferred")
    if result.having("failed", "busy") or (deferred and not result.having("sent")):
        raise incomplete_error(result)
    if deferred:
        enqueue_batches([deferred], queue=django_rq.get_queue(QUEUE))
    return result.counts()


def confirmation_resend_job(reference: str, message_id: str) -> str:
    """Sends a booking's confirmation again, as its holder asked at /appointment/."""
    return confirmation_resend(reference=reference, message_id=message_id)
