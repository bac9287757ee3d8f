"""The operators' switches, as every process reads them: through a per-process copy at most
SWITCHES_TTL old, so a switch flipped in the admin takes effect everywhere within a second for
one read per process per second, whatever the traffic. The switches: `registration` ("open",
"closed" or the configured times), `confirmations` ("paused": nothing taken, nothing lost),
`waiting_room` ("off") and `sms_budget` (a factor on every SMS budget, which the budget's
script reads from Redis itself). When Redis cannot be read the last copy stands: an outage must
not flip a switch by itself.
"""

import contextlib
import time
from typing import Literal

from vaksin.store import StoreError
from vaksin.store.switches import switches_read

SWITCHES_TTL = 1.0
REGISTRATION = "registration"
CONFIRMATIONS = "confirmations"
WAITING_ROOM = "waiting_room"
# A factor on every SMS budget (vaksin/sms_budget.py), read by the budget's own script.
SMS_BUDGET = "sms_budget"
RegistrationOverride = Literal["open", "closed"]


class _Copy:
    values: dict[str, str] = {}
    read_at = -SWITCHES_TTL


def switches() -> dict[str, str]:
    now = time.monotonic()
    if now - _Copy.read_at >= SWITCHES_TTL:
        with contextlib.suppress(StoreError):
            _Copy.values = switches_read()
        _Copy.read_at = now
    return _Copy.values


def switches_forget() -> None:
    """Drops this process's copy, so the next read sees Redis (after a flip, and in tests)."""
    _Copy.read_at = -SWITCHES_TTL


def registration_override() -> RegistrationOverride | None:
    value = switches().get(REGISTRATION)
    return value if value in ("open", "closed") else None  # type: ignore[return-value]


def confirmations_paused() -> bool:
    return switches().get(CONFIRMATIONS) == "paused"


def waiting_room_off() -> bool:
    return switches().get(WAITING_ROOM) == "off"
