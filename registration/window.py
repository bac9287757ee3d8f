"""Whether registration is open: REGISTRATION_OPENS_AT and REGISTRATION_CLOSES_AT (unset = open)."""

import datetime
from typing import Literal

from django.conf import settings
from django.utils import timezone

RegistrationState = Literal["not_yet_open", "open", "closed"]


def registration_state(now: datetime.datetime | None = None) -> RegistrationState:
    now = now or timezone.now()
    if settings.REGISTRATION_OPENS_AT and now < settings.REGISTRATION_OPENS_AT:
        return "not_yet_open"
    if settings.REGISTRATION_CLOSES_AT and now >= settings.REGISTRATION_CLOSES_AT:
        return "closed"
    return "open"
