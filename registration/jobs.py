"""RQ jobs of the registration app. Jobs take references, never objects, and are safe to repeat."""

import contextlib

import django_rq

from registration.confirmations.backends import Sms, sms_backend
from registration.confirmations.relay import QUEUE, enqueue_batches
from registration.confirmations.services import (
    confirmation_resend,
    confirmations_send,
    incomplete_error,
)
from registration.verification import code_for, code_sms_text
from vaksin.store import StoreError, metrics


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


def verification_code_send_job(phone: str, nonce: str, lang: str) -> None:
    """Sends the code a nonce stands for to `phone`. A retry sends the same code again, under
    the same message id, so a gateway that de-duplicates drops the copy."""
    code = code_for(phone, nonce)
    sms_backend().send(Sms(to=phone, text=code_sms_text(code, lang), message_id=f"code-{nonce}"))
    with contextlib.suppress(StoreError):
        # Counted for operators; a count lost to a Redis hiccup must not send the code again.
        metrics.counters_add({"codes_sent": 1}, {"codes_sent": 1})


def confirmation_resend_job(reference: str, message_id: str) -> str:
    """Sends a booking's confirmation again, as its holder asked at /appointment/."""
    return confirmation_resend(reference=reference, message_id=message_id)
