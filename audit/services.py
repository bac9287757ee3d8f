"""Recording staff writes. Each caller writes its audit row in the same PostgreSQL transaction
that wraps its change, so a refused change leaves no row (see availability/staff.py)."""

import ipaddress

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from vaksin.addresses import client_address


class EnrolmentRefused(Exception):
    """The member of staff cannot be given a device as asked; the message says why."""


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


def staff_totp_enrol(*, username: str, replace: bool, actor: str) -> TOTPDevice:
    """Gives a member of staff a new authenticator-app device, their only one, audited.

    Refused when the user does not exist, or already has a device and `replace` is false (a
    second device would let an old phone keep logging in)."""
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(username=username).first()
        if user is None:
            raise EnrolmentRefused(f"There is no user {username!r}: create it first.")
        previous = TOTPDevice.objects.filter(user=user)
        count = previous.count()
        if count and not replace:
            raise EnrolmentRefused(
                f"{username} already has an authenticator app; use --replace to give them a new "
                "one (the old one stops working)."
            )
        previous.delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
        audit_record(
            actor=actor,
            action="otp_enrol",
            target=username[:100],
            before=f"{count} device(s)",
            after="new authenticator app",
            address=None,
        )
    return device
