"""The staff login's own rate limits, counted in Redis before any password is hashed.

A login costs a full password hash on a core the public's bookings share, so what is bounded
is how many hashes anyone can ask for (docs/operations.md, "Why logins are rate limited before
the password is checked"). Each POST to the login form counts against LOGIN_RATE_PER_IP per
client address and LOGIN_RATE_TOTAL from everywhere (counted only for posts the first let
through); one over either is answered 429 after one round trip, before the form is read.
django-axes then locks a username and address out after LOGIN_FAILURE_LIMIT failures.
"""

import time

from django.conf import settings
from django.http import HttpRequest

from vaksin.addresses import client_address
from vaksin.store import rates


def login_attempt_wait(request: HttpRequest) -> int:
    """Counts one login attempt; 0 when it may go ahead, else the seconds until it may.

    Raises StoreError when Redis cannot be reached (staff sessions live there too)."""
    minute = int(time.time() // 60)
    limits = (
        (settings.LOGIN_RATE_PER_IP, "login", client_address(request)),
        (settings.LOGIN_RATE_TOTAL, "login-all", "all"),
    )
    for limit, kind, subject in limits:
        if limit:
            count, seconds = rates.rate_count(kind, subject, minute)
            if count > limit:
                return seconds
    return 0
