"""Sending the one-time codes: the relay reads the code outbox (vaksin/store/code_outbox.py) in
batches, sends each code's SMS and acknowledges the batch, in a thread of its own beside the
booking log's relay (confirmations/relay.py).

No job per code: an RQ job costs several round trips, a JSON job and a registry entry per code,
which made a code several times as costly as a booking. Here the script that issues the code
wrote its entry, and a batch is one read, its SMS, and one acknowledgement.

The sender waits on the outbox (a blocking read), so a code goes out as soon as it is issued;
it never waits to fill a batch: codes that arrive while a batch is being sent make the next one.
Its own thread, so a code never waits behind confirmations, nor for their pause.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from phones.services import code_for, code_sms_text
from vaksin.runloop import Backoff, run_until_stopped
from vaksin.sms import Sms, sms_backend
from vaksin.store import StoreError
from vaksin.store.code_outbox import (
    OutboxCode,
    code_outbox_claim_idle,
    code_outbox_done,
    code_outbox_group_create,
    code_outbox_read,
)

logger = logging.getLogger(__name__)

# Codes another sender read and has held this long are taken over: it died. Longer than a batch
# may take (BATCH_SECONDS), so that a live sender's codes are never sent twice.
LEASE_MS = 15_000
# A batch stops trying new codes after this long (a slow gateway); the rest are re-read at once.
BATCH_SECONDS = 5.0
# How often a sender looks for codes a dead sender left.
SWEEP_SECONDS = 2.0
# Failed sends are tried again after this, doubling to the ceiling, until the code expires.
RETRY_FIRST_SECONDS, RETRY_MOST_SECONDS = 1.0, 30.0


@dataclass
class CodeCounts:
    sent: int = 0
    failed: int = 0  # send attempts that failed (tried again)
    expired: int = 0  # codes that outlived their lifetime before they could be sent: dropped


def message_id(code: OutboxCode) -> str:
    """The same for every try of one code: a gateway that de-duplicates drops a second copy."""
    return f"code-{code.sms.nonce}"


@dataclass(frozen=True)
class BatchOutcome:
    failed: int  # sends that failed: tried again after a wait
    left: int  # codes not dealt with (failed, or not tried before the batch's time was up)


def codes_send(codes: list[OutboxCode], *, counts: CodeCounts) -> BatchOutcome:
    """Sends a batch's SMS and acknowledges those sent (and those dead of old age), in one round
    trip. A failed send, or one not tried before the batch ran out of time, stays pending."""
    lifetime_ms = settings.VERIFICATION_CODE_SECONDS * 1000
    deadline = time.monotonic() + BATCH_SECONDS
    done: list[str] = []
    sent = expired = failed = 0
    for code in codes:
        if time.time() * 1000 - code.issued_ms >= lifetime_ms:
            done.append(code.entry)
            expired += 1
            continue
        if time.monotonic() >= deadline:
            break
        phone = code.sms.phone
        text = code_sms_text(code_for(phone, code.sms.nonce), code.sms.lang)
        try:
            sms_backend().send(Sms(to=phone, text=text, message_id=message_id(code)))
        except StoreError:
            raise
        except Exception as error:
            # Whatever a backend raises, one code must not hold up the others: it stays
            # pending and is tried again, until it expires.
            logger.warning("code not sent", extra={"error": type(error).__name__})
            failed += 1
            continue
        done.append(code.entry)
        sent += 1
    code_outbox_done(done, sent=sent, at=time.time())
    counts.sent += sent
    counts.failed += failed
    counts.expired += expired
    if expired:
        logger.warning("codes expired before they were sent", extra={"count": expired})
    return BatchOutcome(failed=failed, left=len(codes) - len(done))


def codes_send_run(
    *,
    consumer: str,
    batch: int = 200,
    block_ms: int = 1000,
    lease_ms: int = LEASE_MS,
    should_stop: Callable[[], bool] = lambda: False,
) -> CodeCounts:
    """Sends codes until should_stop() is true, up to `batch` at a time: first those this
    consumer read before and never acknowledged (it was killed mid-batch), then new ones as
    they come, and every SWEEP_SECONDS those a dead sender held longer than `lease_ms`. A Redis
    outage is waited out (vaksin/runloop.py)."""
    counts = CodeCounts()
    backoff = Backoff(first=RETRY_FIRST_SECONDS, ceiling=RETRY_MOST_SECONDS)
    # When this consumer's own pending codes are to be read again (None: none are left).
    due: list[float | None] = [None]
    sweep = [0.0]
    started = [False]

    def send(codes: list[OutboxCode]) -> BatchOutcome:
        outcome = codes_send(codes, counts=counts)
        if outcome.failed:
            due[0] = time.monotonic() + backoff.next()
        elif outcome.left and due[0] is None:
            due[0] = time.monotonic()  # only out of time: the rest at once
        return outcome

    def step() -> float:
        if not started[0]:
            code_outbox_group_create()
            started[0], due[0] = True, time.monotonic()
        now = time.monotonic()
        if due[0] is not None and now >= due[0]:
            due[0] = None
            pending = code_outbox_read(consumer=consumer, count=batch, block_ms=None, pending=True)
            if pending and not send(pending).failed:
                backoff.reset()
                if len(pending) == batch and due[0] is None:
                    due[0] = time.monotonic()  # more may be pending behind these
            return 0.0
        if now >= sweep[0]:
            sweep[0] = now + SWEEP_SECONDS
            if taken := code_outbox_claim_idle(consumer=consumer, idle_ms=lease_ms, count=batch):
                send(taken)
                return 0.0
        # Waits for new codes, but not past a retry that is due.
        wait_ms = block_ms if due[0] is None else max(1, min(block_ms, int((due[0] - now) * 1000)))
        if codes := code_outbox_read(consumer=consumer, count=batch, block_ms=wait_ms):
            send(codes)
        return 0.0

    run_until_stopped(step, name="codes", should_stop=should_stop)
    return counts


class CodeSender:
    """codes_send_run in a thread of the relay's process. The relay stops when it stops: a
    sender that died of an error the run loop does not wait out must make the process exit
    (and its supervisor restart it), not leave codes unsent behind a relay that looks alive."""

    def __init__(self, *, consumer: str, should_stop: Callable[[], bool]) -> None:
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(consumer, should_stop), name="codes", daemon=True
        )

    def _run(self, consumer: str, should_stop: Callable[[], bool]) -> None:
        try:
            codes_send_run(consumer=consumer, should_stop=should_stop)
        except BaseException as error:
            self.error = error
            logger.exception("code sender stopped")

    def start(self) -> "CodeSender":
        self._thread.start()
        return self

    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self) -> None:
        """Waits for the sender to stop; raises its error if it died of one."""
        self._thread.join()
        if self.error is not None:
            raise self.error
