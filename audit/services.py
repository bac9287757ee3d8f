"""Recording staff writes. Each caller writes its audit row in the same PostgreSQL transaction
that wraps its change, so a refused change leaves no row (see availability/staff.py)."""

import ipaddress

from django.http import HttpRequest

from audit.models import AuditEntry
from vaksin.addresses import client_address


def audit_record(
    *, actor: str, action: str, target: str, before: str, after: str, address: str | None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor, action=action, target=target, before=before, after=after, address=address
    )


def staff_address(request: HttpRequest) -> str | None:
    """The address a member of staff acts from, taken as the public side takes it (an IPv6
    address by its /64), or None."""
    try:
        return str(ipaddress.ip_network(client_address(request), strict=False).network_address)
    except ValueError:
        return None
