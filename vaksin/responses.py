"""Answers any public page may give."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from registration.calendar import appointment_ics


def see_other(name: str, *, query: str = "") -> HttpResponseRedirect:
    """A redirect to the named page with 303: after a POST the browser fetches it with GET, so a
    refresh re-posts nothing."""
    response = HttpResponseRedirect(reverse(name) + query)
    response.status_code = 303
    return response


def busy(request: HttpRequest) -> HttpResponse:
    """Redis could not answer: a calm page that asks to try again, not an error."""
    response = render(request, "busy.html", status=503)
    response["Retry-After"] = "5"
    return response


def calendar_response(
    *, reference: str, centre_name: str, date: str, arrival_window: str
) -> HttpResponse:
    """An appointment as an .ics download, named after its reference."""
    text = appointment_ics(
        reference=reference,
        centre_name=centre_name,
        date=date,
        arrival_window=arrival_window,
        # Not inside an f-string: xgettext does not look there, so the title was never translated.
        title=gettext("Vaccination appointment %(reference)s") % {"reference": reference},
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vaksin-{reference}.ics"'
    return response
