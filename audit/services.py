"""Recording staff writes, and staff reads of a person's details. Each caller writes its audit
row for a change in the same PostgreSQL transaction that wraps its change, so a refused change
leaves no row (see availability/staff.py); a read is recorded once the page is there to show."""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
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


def staff_read_record(request: HttpRequest, *, action: str, target: str, detail: str = "") -> None:
    """Records that a member of staff saw a person's details (action "view", "view_list") or
    searched for a person ("search"): who, from where, what (`target`), and `detail` (what the
    page showed, never personal data)."""
    audit_record(
        actor=request.user.get_username(),
        action=action,
        target=target[:100],
        before="",
        after=detail,
        address=staff_address(request),
    )


def search_fingerprint(term: str) -> str:
    """A search term (an ID number, say) as the audit trail keeps it: "search:" and a keyed
    HMAC of the term as staff searches read it (no hyphens or spaces, capitals).

    Not the term: the trail would otherwise be a list of the ID numbers staff looked up. Not a
    plain hash either: a MyKad's first six digits are a date of birth, so every MyKad can be
    hashed in minutes and a plain hash read back. Keyed with PERSON_KEY_SECRET, it is the same
    for every spelling of the same number, so whoever holds the secret can ask "who searched
    for this person?" (`manage.py audit_search_fingerprint <ID number>`, then the audit trail's
    search), and nobody without it can read the trail back into ID numbers."""
    normal = "".join(term.replace("-", "").split()).upper()
    digest = salted_hmac(
        "vaksin.audit.search", normal, secret=settings.PERSON_KEY_SECRET, algorithm="sha256"
    ).hexdigest()
    return f"search:{digest[:32]}"


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
