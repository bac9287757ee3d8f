"""When the public may act: registration (REGISTRATION_OPENS_AT to REGISTRATION_CLOSES_AT) and
the verification of phones (from VERIFICATION_OPENS_AT, days earlier, to the same close); unset
times leave a window open. Operators may open or close registration by hand in the admin
(vaksin/switches.py), which overrides the configured times."""

import datetime
from typing import Literal

from django.conf import settings
from django.utils import timezone

from vaksin.switches import registration_override

WindowState = Literal["not_yet_open", "open", "closed"]


def _window_state(opens_at: datetime.datetime | None, now: datetime.datetime | None) -> WindowState:
    now = now or timezone.now()
    if opens_at and now < opens_at:
        return "not_yet_open"
    if settings.REGISTRATION_CLOSES_AT and now >= settings.REGISTRATION_CLOSES_AT:
        return "closed"
    return "open"


def registration_state(now: datetime.datetime | None = None) -> WindowState:
    if override := registration_override():
        return override
    return registration_scheduled_state(now)


def registration_scheduled_state(now: datetime.datetime | None = None) -> WindowState:
    """What the configured times alone say."""
    return _window_state(settings.REGISTRATION_OPENS_AT, now)


def verification_state(now: datetime.datetime | None = None) -> WindowState:
    # Registration opened by hand is open to phones too, or nobody could book.
    if registration_override() == "open":
        return "open"
    return _window_state(settings.VERIFICATION_OPENS_AT, now)
