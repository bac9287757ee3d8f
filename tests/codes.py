"""One-time codes' clocks, moved as only the server could: for tests that send several codes to
one phone without waiting the minute between them."""

from vaksin import store
from vaksin.store import keys
from vaksin.validation import clean_phone


def resend_allowed(phone: str) -> None:
    """As if VERIFICATION_RESEND_SECONDS had passed since the phone's last code."""
    store.client().delete(keys.code_limit_keys(clean_phone(phone), "")[0])
