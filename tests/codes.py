"""One-time codes for tests: their clocks, moved as only the server could (for tests that send
several codes to one phone without waiting the minute between them), and their sending, done
here and now as the relay's code sender does it."""

from phones.sending import CodeCounts, codes_send
from vaksin import store
from vaksin.store import keys
from vaksin.store.code_outbox import code_outbox_group_create, code_outbox_read
from vaksin.validation import clean_phone

# The tests' own sender in the outbox's consumer group (a relay's is its host name).
CONSUMER = "tests"


def send_waiting_codes() -> CodeCounts:
    """Sends every code waiting in the code outbox through the SMS backend, in batches, as the
    relay does (phones/sending.py), and returns once none is left."""
    counts = CodeCounts()
    code_outbox_group_create()
    while codes := code_outbox_read(consumer=CONSUMER, count=100, block_ms=None):
        codes_send(codes, counts=counts)
    return counts


def resend_allowed(phone: str) -> None:
    """As if VERIFICATION_RESEND_SECONDS had passed since the phone's last code."""
    store.client().delete(keys.code_limit_keys(clean_phone(phone), "")[0])
