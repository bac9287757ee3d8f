"""The job that sends one-time codes, on a queue of their own (never behind confirmations)."""

import contextlib

from phones.services import code_for, code_sms_text
from vaksin.sms import Sms, sms_backend
from vaksin.store import StoreError, metrics


def verification_code_send_job(phone: str, nonce: str, lang: str) -> None:
    """Sends the code a nonce stands for to `phone`. A retry sends the same code again, under
    the same message id, so a gateway that de-duplicates drops the copy."""
    code = code_for(phone, nonce)
    sms_backend().send(Sms(to=phone, text=code_sms_text(code, lang), message_id=f"code-{nonce}"))
    with contextlib.suppress(StoreError):
        # Counted for operators; a count lost to a Redis hiccup must not send the code again.
        metrics.counters_add({"codes_sent": 1}, {"codes_sent": 1})
