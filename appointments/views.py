"""/appointment/: a person looks up their booking with their ID number and reference, and, with
a code sent to the booking's own phone, cancels it, moves it (or its second dose alone), or has
its SMS sent again.

The look-up's answer goes only to a POST, so an ID number never sits in a URL; the pages after
it read the booking from their own encrypted cookie (appointments.session).
"""

import time
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from appointments import forms
from appointments.services import (
    appointment_cancel,
    appointment_code_confirm,
    appointment_code_send,
    appointment_current,
    appointment_move,
    appointment_move_second,
    appointment_resend,
)
from appointments.session import (
    AppointmentSession,
    session_clear,
    session_load,
    session_save,
)
from assisted.phoneless import is_phoneless
from availability.pairs import second_doses_left
from availability.selectors import availability_snapshot, centre_choices, centre_in_listing
from phones import forms as phone_forms
from phones.services import VerificationError
from registration.calendar import calendar_response
from registration.selectors import Appointment, LookupRefused, appointment_lookup
from vaksin import forms as public_forms
from vaksin import store
from vaksin.addresses import client_address
from vaksin.doses import second_dose_dates
from vaksin.errors import STATUS, BookingError, message
from vaksin.responses import busy, see_other
from vaksin.store.slots import read_slots

ManageView = Callable[[HttpRequest, AppointmentSession, Appointment], HttpResponse]


@never_cache
@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest) -> HttpResponse:
    """The look-up: its answer goes only to a POST, so an ID number never sits in a URL."""
    form = forms.LookupForm(public_forms.posted(request))
    context = form.page_context()
    if form.is_valid():
        try:
            found = appointment_lookup(
                id_number=form.cleaned_data["id_number"],
                reference=form.cleaned_data["reference"],
                client_address=client_address(request),
            )
        except LookupRefused as refused:
            context["errors"] = public_forms.error_summary({"id_number": message("rate_limited")})
            response = render(request, "appointments/appointment.html", context, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
        except store.StoreError:
            return busy(request)
        if found:
            context = {"booking": found, "phoneless": is_phoneless(found.phone)}
            response = render(request, "appointments/appointment_found.html", context)
            if found.status == "confirmed":
                session = AppointmentSession(
                    number=found.number, id_type=found.id_type, id_number=found.id_number
                )
                session_save(response, session)
            else:
                session_clear(response)
            return response
        context["errors"] = public_forms.error_summary({"id_number": message("not_found")})
    return render(request, "appointments/appointment.html", context)


def _held(*, verified: bool) -> Callable[[ManageView], Callable[[HttpRequest], HttpResponse]]:
    """Pages about the booking the cookie names, while the person still holds it; with
    `verified`, only once the code sent to its phone was typed (and not longer ago than
    APPOINTMENT_SESSION_MINUTES). Anyone else goes back to the look-up."""

    def decorate(view: ManageView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        @never_cache
        @require_http_methods(["GET", "POST"])
        def wrapped(request: HttpRequest) -> HttpResponse:
            session = session_load(request)
            try:
                found = appointment_current(
                    number=session.number, id_type=session.id_type, id_number=session.id_number
                )
                if found is None:
                    response = see_other("appointment")
                    session_clear(response)
                    return response
                if verified and not session.verified:
                    return see_other("appointment_code")
                return view(request, session, found)
            except store.StoreError:
                return busy(request)

        return wrapped

    return decorate


def _code_page(
    request: HttpRequest,
    session: AppointmentSession,
    booking: Appointment,
    *,
    form: public_forms.StepForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "booking": booking,
        "sent": bool(session.code_sent_at),
        **(form.page_context() if form else {"values": {}, "errors": [], "error_for": {}}),
    }
    return render(request, "appointments/appointment_code.html", context, status=status)


@_held(verified=False)
def appointment_code(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    """Sends a code to the booking's phone, and takes it back."""
    if is_phoneless(booking.phone):
        # Booked by the helpline with no phone: there is nothing to send a code to, and the
        # look-up page says to call the helpline for a change.
        return see_other("appointment")
    form = phone_forms.CodeForm(public_forms.posted(request))
    if request.method != "POST":
        return _code_page(request, session, booking, form=form)
    if "send" in request.POST or "resend" in request.POST:
        try:
            appointment_code_send(
                appointment=booking,
                client_address=client_address(request),
                lang=get_language() or "en",
            )
        except VerificationError as error:
            return _refused_code(
                request, session, booking, form, error, phone_forms.send_refusal(error)
            )
        response = see_other("appointment_code")
        session_save(response, replace(session, code_sent_at=int(time.time())))
        return response
    form.is_valid()
    try:
        appointment_code_confirm(
            appointment=booking,
            code=form.cleaned_data["code"],
            client_address=client_address(request),
        )
    except VerificationError as error:
        lapsed = time.time() >= session.code_sent_at + settings.VERIFICATION_CODE_SECONDS
        return _refused_code(
            request, session, booking, form, error, phone_forms.refusal_of(error, lapsed=lapsed)
        )
    response = see_other("appointment_manage")
    until = int(time.time()) + settings.APPOINTMENT_SESSION_MINUTES * 60
    session_save(response, replace(session, verified_until=until))
    return response


def _refused_code(
    request: HttpRequest,
    session: AppointmentSession,
    booking: Appointment,
    form: public_forms.StepForm,
    error: VerificationError,
    refusal: Any,
) -> HttpResponse:
    if error.code == "unavailable":
        return busy(request)
    form.add_error("code", refusal)
    status = 429 if error.code == "rate_limited" else 200
    response = _code_page(request, session, booking, form=form, status=status)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


@_held(verified=True)
def appointment_manage(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    context = {"booking": booking, "notice": session.notice}
    if session.notice == "dose_given":
        context["dose_given_message"] = message("dose_given")
    response = render(request, "appointments/appointment_manage.html", context)
    if session.notice:
        session_save(response, session.with_notice(""))
    return response


@_held(verified=True)
def appointment_cancel_page(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    """Asks once more, then cancels."""
    if request.method != "POST":
        return render(request, "appointments/appointment_cancel.html", {"booking": booking})
    try:
        cancelled = appointment_cancel(appointment=booking)
    except BookingError as error:
        if error.code != "dose_given":
            return busy(request)
        response = see_other("appointment")
        session_save(response, session.with_notice("dose_given"))
        return response
    if not cancelled:
        return see_other("appointment")
    return _done(session, booking, what="cancelled")


def _done(session: AppointmentSession, booking: Appointment, *, what: str) -> HttpResponse:
    response = see_other("appointment_done")
    done = {
        "what": what,
        "reference": booking.reference,
        "centre_name": booking.centre_name,
        "date": booking.date,
        "arrival_window": booking.arrival_window,
        "second_date": booking.second_date,
        "second_window": booking.second_window,
    }
    if what == "changed":
        # The person still holds an appointment, the new one: the proof of their phone stays,
        # so the page can offer its .ics and a way back to it.
        session_save(response, replace(session, number=booking.number, notice="", done=done))
    else:
        session_save(response, AppointmentSession(done=done))
    return response


def _change_choices(booking: Appointment) -> tuple[list[dict[str, Any]], Any]:
    """Every other date with places at the centres of the booking's state, centre by centre,
    the booking's own centre first."""
    snapshot = availability_snapshot()
    listing = snapshot.data
    own = centre_in_listing(listing, booking.location)
    state = own["state"] if own else ""
    today = timezone.localdate().isoformat()
    groups: list[dict[str, Any]] = []
    for choice in sorted(
        centre_choices(listing, state), key=lambda c: (c["id"] != booking.location, c["name"])
    ):
        centre = centre_in_listing(listing, choice["id"]) or {"slots": []}
        offers = [
            slot
            for slot in centre["slots"]
            if slot["available"] > 0
            and slot["date"] >= today
            and not (choice["id"] == booking.location and slot["date"] == booking.date)
        ]
        if offers:
            # The first radio of the page is where the error summary links.
            offers = [{**slot, "first": not groups and i == 0} for i, slot in enumerate(offers)]
            groups.append({"id": choice["id"], "name": choice["name"], "slots": offers})
    return groups, listing["as_of"]


def _moved(
    request: HttpRequest,
    session: AppointmentSession,
    field: str,
    move: Callable[[], Appointment],
) -> HttpResponse | tuple[list[dict[str, str]], int]:
    """Runs a move: the page after it, or the error to show against `field` with its status
    (a move refused, say a full date, keeps the person on the page to choose again)."""
    try:
        moved = move()
    except BookingError as error:
        if error.code == "unavailable":
            return busy(request)
        if error.code == "not_found":
            return see_other("appointment")
        code = "date_missing" if error.code == "invalid" else error.code
        return [{"anchor": f"{field}-first", "message": message(code)}], STATUS.get(error.code, 400)
    return _done(session, moved, what="changed")


@_held(verified=True)
def appointment_change(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    """Another date or centre: the new place is taken and the old one let go, in one step."""
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        moved = _moved(
            request, session, "slot",
            lambda: appointment_move(appointment=booking, slot=request.POST.get("slot")),
        )  # fmt: skip
        if isinstance(moved, HttpResponse):
            return moved
        errors, status = moved
    groups, as_of = _change_choices(booking)
    context = {
        "booking": booking,
        "groups": groups,
        "as_of": as_of,
        "errors": errors,
        "error_for": {"slot": errors[0]["message"]} if errors else {},
        "selected": request.POST.get("slot", ""),
    }
    return render(request, "appointments/appointment_change.html", context, status=status)


def _second_dose_choices(booking: Appointment) -> list[dict[str, Any]]:
    """The other dates of the second dose's range at the booking's centre, with the places
    each has left (read now, for display: the move's script decides). A whole read of the
    counts, like the listing's own recomputation: this page is behind the phone's code and
    seldom asked for."""
    left = second_doses_left(read_slots())
    today = timezone.localdate().isoformat()
    choices = [
        (date, left.get(f"{booking.location}|{date}", 0))
        for date in second_dose_dates(booking.date)
        if date != booking.second_date and date >= today
    ]
    left_now = {date: places for date, places in choices if places > 0}
    return [
        {"date": date, "available": places, "first": i == 0}
        for i, (date, places) in enumerate(left_now.items())
    ]


@_held(verified=True)
def appointment_second_dose(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    """Another date for the second dose alone, within its range, at the same centre."""
    if not booking.second_date:
        return see_other("appointment_manage")
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        moved = _moved(
            request, session, "second_date",
            lambda: appointment_move_second(
                appointment=booking, date=request.POST.get("second_date")
            ),
        )  # fmt: skip
        if isinstance(moved, HttpResponse):
            return moved
        errors, status = moved
    context = {
        "booking": booking,
        "choices": _second_dose_choices(booking),
        "errors": errors,
        "error_for": {"second_date": errors[0]["message"]} if errors else {},
        "selected": request.POST.get("second_date", ""),
    }
    return render(request, "appointments/appointment_second_dose.html", context, status=status)


@require_POST
@_held(verified=True)
def appointment_resend_page(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    try:
        appointment_resend(appointment=booking)
    except BookingError as error:
        if error.code == "unavailable":
            return busy(request)
        response = see_other("appointment_manage")
        session_save(response, session.with_notice("resend_limited"))
        return response
    response = see_other("appointment_manage")
    session_save(response, session.with_notice("resent"))
    return response


@never_cache
def appointment_done(request: HttpRequest) -> HttpResponse:
    session = session_load(request)
    if not session.done:
        return see_other("appointment")
    context = {"done": session.done, "held": session.verified}
    return render(request, "appointments/appointment_done.html", context)


@_held(verified=False)
def appointment_calendar(
    request: HttpRequest, session: AppointmentSession, booking: Appointment
) -> HttpResponse:
    """The appointment as an .ics file, for the phone's calendar."""
    return calendar_response(
        reference=booking.reference,
        centre_name=booking.centre_name,
        date=booking.date,
        arrival_window=booking.arrival_window,
        second_date=booking.second_date,
        second_window=booking.second_window,
    )
