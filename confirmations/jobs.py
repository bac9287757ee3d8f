"""RQ jobs of the confirmations. Jobs take references, never objects, and are safe to repeat."""

import django_rq

from confirmations.relay import QUEUE, enqueue_batch_later, enqueue_batches
from confirmations.services import (
    confirmation_resend,
    confirmations_send,
    incomplete_error,
)
from vaksin.sms_budget import confirmation_send_or_later, sms_budget_return


def confirmations_send_job(references: list[str]) -> dict[str, int]:
    """Sends one relay batch's confirmations; returns how many had each outcome.

    Raises when a send failed or another worker held a claim, so that RQ retries the batch with
    backoff (the retry skips what was sent). What the batch had no time left for goes on in a
    new job of its own: a slow gateway is not a failure and should not use up the retries.
    """
    result = confirmations_send(references=references)
    deferred = result.having("deferred")
    if result.having("failed", "busy") or (deferred and not result.having("sent")):
        raise incomplete_error(result)  # the retry sends what waits for the budget too
    if deferred:
        enqueue_batches([deferred], queue=django_rq.get_queue(QUEUE))
    if waiting := result.having("over_budget"):
        # Not a failure, and never dropped: sent once the SMS budget has room again.
        enqueue_batch_later(waiting, seconds=result.budget_wait, queue=django_rq.get_queue(QUEUE))
    return result.counts()


def confirmation_resend_job(reference: str, message_id: str) -> str:
    """Sends a booking's confirmation again, as its holder asked at /appointment/: from the
    confirmations' SMS budget, or once it has room ("waiting")."""
    sms = confirmation_send_or_later(QUEUE, confirmation_resend_job, reference, message_id)
    if sms is None:
        return "waiting"
    outcome = confirmation_resend(reference=reference, message_id=message_id)
    if outcome != "sent":
        sms_budget_return(sms, 1)
    return outcome
