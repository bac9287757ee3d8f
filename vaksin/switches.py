"""The operators' switches, as every process reads them: through a per-process copy at most
SWITCHES_TTL old, so a switch flipped in the admin takes effect on every node within a second
for one HGETALL per process per second, whatever the traffic.

- `registration`: "open" or "closed" overrides REGISTRATION_OPENS_AT and _CLOSES_AT; unset,
  the configured times rule (vaksin/window.py).
- `confirmations`: "paused" stops the relay and the confirmation workers taking new work;
  nothing is lost, the bookings wait in the booking log and the queue.
- `waiting_room`: "off" lets everyone book without an admission, as before the waiting room
  (waiting_room/); unset, WAITING_ROOM_OPENS_AT rules.

When Redis cannot be read, the last copy read stands (unset before the first read): a Redis
outage stops bookings anyway, and must not flip a switch by itself.
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
