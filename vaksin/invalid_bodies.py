"""Every body a public POST refuses as invalid is counted: against its client address always,
and against its verified phone where it has one.

Which budget refuses depends on who asks. A request with a verified phone is judged by that
phone's budget (RATE_LIMIT_PER_PHONE, the one its booking attempts count in): the address may
be a carrier's NAT or a campus, shared with thousands, and others' junk there must not refuse
a person who proved their phone. A request without one is judged by its address's budget
(RATE_LIMIT_PER_IP, shared with look-ups and verification attempts): that is all there is to
tell a script from a person. docs/api.md (3.6) gives the figures and why.
"""

import time

from django.conf import settings
from django.http import JsonResponse

from vaksin.json_api import answer
from vaksin.store import StoreError, keys, rates


def invalid_body_wait(*, address: str, phone: str | None = None) -> int:
    """Counts one invalid body; the seconds to wait once its budget is spent, else 0.

    Raises StoreError when Redis cannot be reached."""
    minute = int(time.time() // 60)
    address_over = 0
    if address and settings.RATE_LIMIT_PER_IP:
        count, seconds = rates.rate_count("address", address, minute)
        address_over = seconds if count > settings.RATE_LIMIT_PER_IP else 0
    if phone is None:
        return address_over
    if not settings.RATE_LIMIT_PER_PHONE:
        return 0
    count, seconds = rates.rate_count("phone", keys.phone_key(phone)[1], minute)
    return seconds if count > settings.RATE_LIMIT_PER_PHONE else 0


def invalid_body_refusal(*, address: str, phone: str | None = None) -> JsonResponse | None:
    """The 429 for an invalid body over its budget, or None (the caller gives its own 4xx).
    An outage of the counters refuses nobody: the request is already being refused."""
    try:
        retry_after = invalid_body_wait(address=address, phone=phone)
    except StoreError:
        return None
    if retry_after:
        return answer({"error": "rate_limited"}, status=429, retry_after=retry_after)
    return None
