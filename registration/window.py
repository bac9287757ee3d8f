"""Whether registration is open: REGISTRATION_OPENS_AT and REGISTRATION_CLOSES_AT (unset = open),
unless operators have opened or closed it by hand in the admin (vaksin/switches.py)."""

import datetime
from typing import Literal

from django.conf import settings
from django.utils import timezone

from vaksin.switches import registration_override

RegistrationState = Literal["not_yet_open", "open", "closed"]


def registration_state(now: datetime.datetime | None = None) -> RegistrationState:
    if override := registration_override():
        return override
    return registration_scheduled_state(now)


def registration_scheduled_state(now: datetime.datetime | None = None) -> RegistrationState:
    """What the configured times alone say."""
    now = now or timezone.now()
    if settings.REGISTRATION_OPENS_AT and now < settings.REGISTRATION_OPENS_AT:
        return "not_yet_open"
    if settings.REGISTRATION_CLOSES_AT and now >= settings.REGISTRATION_CLOSES_AT:
        return "closed"
    return "open"
