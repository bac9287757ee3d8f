"""The operators' switches, flipped by staff and audited (see availability/staff.py for why the
audit row shares the transaction that wraps the Redis write)."""

from django.db import transaction

from audit.services import audit_record
from vaksin.store.switches import switch_write, switches_read
from vaksin.switches import CONFIRMATIONS, REGISTRATION, switches_forget

# Per switch, each choice staff may make and what it writes (None clears the switch, so that
# its default holds: the configured times, confirmations running).
CHOICES: dict[str, dict[str, str | None]] = {
    REGISTRATION: {"open": "open", "closed": "closed", "scheduled": None},
    CONFIRMATIONS: {"paused": "paused", "running": None},
}
DEFAULTS = {REGISTRATION: "scheduled", CONFIRMATIONS: "running"}


class SwitchError(Exception):
    """No such switch or choice."""


def switch_flip(*, actor: str, address: str | None, name: str, choice: str) -> bool:
    """Sets switch `name` to `choice`; False (and nothing audited) when it was already so.
    Every node follows within vaksin.switches.SWITCHES_TTL. Raises StoreError when Redis
    cannot be reached, and then nothing is audited either."""
    if choice not in CHOICES.get(name, {}):
        raise SwitchError(f"{name}={choice}")
    with transaction.atomic():
        before = switches_read().get(name) or DEFAULTS[name]
        if before == choice:
            return False
        audit_record(
            actor=actor, action="switch", target=name, before=before, after=choice, address=address
        )
        switch_write(name, CHOICES[name][choice])
    switches_forget()
    return True
