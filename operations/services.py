"""The operators' switches, flipped by staff and audited (see availability/staff.py for why the
audit row shares the transaction that wraps the Redis write)."""

from django.db import transaction

from audit.services import audit_record
from vaksin.store.switches import switch_write, switches_read
from vaksin.switches import (
    CONFIRMATIONS,
    REGISTRATION,
    SMS_BUDGET,
    WAITING_ROOM,
    switches,
    switches_forget,
)
from waiting_room.services import queue_mode_write, queue_rate_write, queue_reading

# Per switch, each choice staff may make and what it writes (None clears the switch, so that
# its default holds: the configured times, confirmations running).
CHOICES: dict[str, dict[str, str | None]] = {
    REGISTRATION: {"open": "open", "closed": "closed", "scheduled": None},
    CONFIRMATIONS: {"paused": "paused", "running": None},
    WAITING_ROOM: {"off": "off", "on": None},
    # Every SMS budget times a factor: for a real rush the configured budgets did not foresee.
    SMS_BUDGET: {"x1": None, "x2": "2", "x5": "5", "x10": "10"},
}
DEFAULTS = {
    REGISTRATION: "scheduled",
    CONFIRMATIONS: "running",
    WAITING_ROOM: "on",
    SMS_BUDGET: "x1",
}
# Admission rates staff may set, tickets a second: one at least, and no more than a country.
RATE_LIMITS = (1, 100_000)


class SwitchError(Exception):
    """No such switch or choice."""


def switch_flip(*, actor: str, address: str | None, name: str, choice: str) -> bool:
    """Sets switch `name` to `choice`; False (and nothing audited) when it was already so.
    Every node follows within vaksin.switches.SWITCHES_TTL. Raises StoreError when Redis
    cannot be reached, and then nothing is audited either."""
    if choice not in CHOICES.get(name, {}):
        raise SwitchError(f"{name}={choice}")
    with transaction.atomic():
        before = _choice_of(name, switches_read().get(name))
        if before == choice:
            return False
        audit_record(
            actor=actor, action="switch", target=name, before=before, after=choice, address=address
        )
        switch_write(name, CHOICES[name][choice])
    switches_forget()
    return True


def _choice_of(name: str, value: str | None) -> str:
    """The choice a switch's stored value stands for (its default when unset)."""
    if value is None:
        return DEFAULTS[name]
    return next((choice for choice, v in CHOICES[name].items() if v == value), value)


def sms_budget_choice() -> str:
    """The SMS budgets' switch as this process sees it (x1: as configured)."""
    return _choice_of(SMS_BUDGET, switches().get(SMS_BUDGET))


def _admission(mode: str, rate: float) -> str:
    return "automatic" if mode == "auto" else f"{rate:g} a second"


def queue_rate_set(*, actor: str, address: str | None, rate: float) -> None:
    """Admission runs at `rate` tickets a second from now, on every node (the automatic mode
    ends). Raises ValueError for a rate out of RATE_LIMITS, StoreError when Redis cannot be
    reached (and then nothing is audited)."""
    low, high = RATE_LIMITS
    if not low <= rate <= high:
        raise ValueError(rate)
    with transaction.atomic():
        before = queue_reading()
        audit_record(
            actor=actor,
            action="admission_rate",
            target=WAITING_ROOM,
            before=_admission(before.mode, before.rate),
            after=_admission("set", rate),
            address=address,
        )
        queue_rate_write(rate)


def queue_mode_set(*, actor: str, address: str | None, mode: str) -> bool:
    """ "auto": the rate steers towards WAITING_ROOM_AUTO_TARGET bookings a second; "set": it
    stays where it is. False (and nothing audited) when it was already so."""
    with transaction.atomic():
        before = queue_reading()
        if before.mode == mode:
            return False
        audit_record(
            actor=actor,
            action="admission_mode",
            target=WAITING_ROOM,
            before=_admission(before.mode, before.rate),
            after=_admission(mode, before.rate),
            address=address,
        )
        queue_mode_write(mode)
    return True
