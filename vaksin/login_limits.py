"""The staff login's own rate limits, counted in Redis before any password is hashed.

A login costs a full PBKDF2 hash (0.67 s of one core on the 2-core development machine), and
the admin shares gunicorn's workers with the public: six parallel login posts took the booking
API's p90 from 12 ms to 922 ms. The hasher stays strong; what is bounded is how many hashes
anyone can ask for. Each POST to the login form counts against two per-minute limits, and one
over either is answered 429 after one Redis round trip, before the form is even read:

- LOGIN_RATE_PER_IP (10) per client address, taken as the public side takes it: one script
  cannot keep a worker hashing, and a password sprayed over many usernames from one address
  (which django-axes, keyed by username and address, never locks) is slowed the same way;
- LOGIN_RATE_TOTAL (60) from all addresses together, counted only for posts the first limit
  let through: however many addresses a flood comes from, it buys at most one hash a second,
  two thirds of one core. During such a flood staff may wait a minute to log in; the public
  comes first.

django-axes then locks a username and address out after LOGIN_FAILURE_LIMIT failures, also
without hashing (its backend runs before Django's). Ten posts a minute is far more than a
person typing a password and a code needs.
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
