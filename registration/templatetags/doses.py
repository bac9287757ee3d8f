"""{% dose_panel booking %}: the doses part of the admin's live booking page (its state, and
the actions for staff holding audit.record_dose), without the bookings admin knowing doses."""

from typing import Any

from django import template

from registration.doses import dose_booking
from registration.staff import RECORD_DOSE_PERMISSION
from vaksin.store import StoreError

register = template.Library()


@register.inclusion_tag("admin/registration/dose_panel.html", takes_context=True)
def dose_panel(context: template.Context, booking: Any) -> dict[str, Any]:
    request = context["request"]
    try:
        held = dose_booking(reference=booking.reference) if booking.active else None
        unread = False
    except StoreError:
        held, unread = None, True
    return {
        "booking": booking,
        "held": held,
        "unread": unread,
        "can_record": request.user.has_perm(RECORD_DOSE_PERMISSION),
        "csrf_token": context.get("csrf_token"),
    }
