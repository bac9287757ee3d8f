"""Recording staff writes. Each caller writes its audit row in the same PostgreSQL transaction
that wraps its change, so a refused change leaves no row (see availability/staff.py)."""

from django.http import HttpRequest

from audit.models import AuditEntry


def audit_record(
    *, actor: str, action: str, target: str, before: str, after: str, address: str | None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor, action=action, target=target, before=before, after=after, address=address
    )


def staff_address(request: HttpRequest) -> str | None:
    """The address a member of staff acts from, as the audit records it."""
    return request.META.get("REMOTE_ADDR") or None
