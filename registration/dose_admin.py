"""The dose actions on the admin's live booking page: "First dose given", "Second dose given",
"No-show" and "Cancel second dose", for staff holding audit.record_dose (registration/staff.py
does the write and its audit row). Post/redirect/get back to the booking's page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from audit.services import staff_address
from registration.doses import DoseError, DoseEvent
from registration.staff import RECORD_DOSE_PERMISSION, staff_dose_record
from vaksin.store import StoreError

# Staff-only strings, in English as the rest of the admin.
REFUSALS = {
    "not_found": "This booking is not active (cancelled, changed or purged); nothing changed.",
    "already": "This dose is already recorded as given; nothing changed.",
    "first_not_given": "Record the first dose as given first; nothing changed.",
    "second_given": "The second dose was given; there is no second dose to let go.",
    "no_second": "This booking has no second dose; nothing changed.",
    "too_early": "This dose's day has not come yet, so it cannot be a no-show; nothing changed.",
}
DONE = {
    DoseEvent.FIRST_GIVEN: "First dose recorded as given. The second dose stays booked.",
    DoseEvent.SECOND_GIVEN: "Second dose recorded as given.",
    DoseEvent.NO_SHOW: "No-show recorded: {after}.",
    DoseEvent.SECOND_CANCEL: "Second dose cancelled: {after}.",
}
# A no-show or a second dose let go cannot be undone from here: they ask for a tick first.
ASKS_FIRST = (DoseEvent.NO_SHOW, DoseEvent.SECOND_CANCEL)


class DoseForm(forms.Form):
    event = forms.ChoiceField(choices=[(event.value, event.value) for event in DoseEvent])
    confirmed = forms.BooleanField(required=False)


def dose_view(request: HttpRequest, reference: str) -> HttpResponse:
    """POST only: records one dose event for booking `reference`."""
    if not request.user.has_perm(RECORD_DOSE_PERMISSION):
        raise PermissionDenied
    back = reverse("admin:warehouse_booking_live", args=[reference])
    form = DoseForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        messages.error(request, "Choose what happened at the centre.")
        return HttpResponseRedirect(back)
    event = DoseEvent(form.cleaned_data["event"])
    if event in ASKS_FIRST and not form.cleaned_data["confirmed"]:
        messages.error(request, "Tick the box to confirm; nothing changed.")
        return HttpResponseRedirect(back)
    try:
        result = staff_dose_record(
            actor=request.user.get_username(),
            address=staff_address(request),
            reference=reference,
            event=event,
        )
    except DoseError as error:
        messages.warning(request, REFUSALS.get(error.code, "Refused; nothing changed."))
        return HttpResponseRedirect(back)
    except StoreError:
        messages.error(request, "Redis did not answer; nothing was changed. Try again.")
        return HttpResponseRedirect(back)
    messages.success(request, DONE[event].format(after=result.after))
    return HttpResponseRedirect(reverse("admin:warehouse_booking_live", args=[result.reference]))
