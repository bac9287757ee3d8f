"""The landing page and the registration wizard.

Every view is thin: it cleans the posted step (registration.forms), records the answers in the
signed wizard cookie (registration.wizard), calls one service or selector, then redirects
(post/redirect/get) or renders. Pages that show answers are never stored by any cache.
"""

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from availability.selectors import (
    availability_snapshot,
    centre_choices,
    centre_in_listing,
    slot_alternatives,
    state_choices,
)
from availability.states import STATES
from registration import forms
from registration.errors import STATUS, BookingError
from registration.services import booking_create, booking_request_clean
from registration.views.responses import busy, see_other
from registration.window import registration_state
from registration.wizard import (
    ORDER,
    STEP_OF,
    WizardState,
    wizard_clear,
    wizard_load,
    wizard_save,
)
from vaksin import store
from vaksin.addresses import client_address

WizardView = Callable[[HttpRequest, WizardState], HttpResponse]


def _window_context() -> dict[str, Any]:
    return {
        "registration_state": registration_state(),
        "opens_at": settings.REGISTRATION_OPENS_AT,
        "closes_at": settings.REGISTRATION_CLOSES_AT,
    }


def wizard_step(step: str) -> Callable[[WizardView], Callable[[HttpRequest], HttpResponse]]:
    """Shared by every wizard page: open only while registration is, never cached, shown only
    in order (see _resume), and a busy page (not an error) when Redis cannot answer."""

    def decorate(view: WizardView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        @never_cache
        @require_http_methods(["GET", "POST"])
        def wrapped(request: HttpRequest) -> HttpResponse:
            window = _window_context()
            if window["registration_state"] != "open":
                return render(request, "registration/closed.html", window, status=403)
            try:
                state = wizard_load(request)
                return _resume(state, step) or view(request, state)
            except store.StoreError:
                return busy(request)

        return wrapped

    return decorate


def _step_url(step: str) -> str:
    return reverse(f"register_{step}")


def _page(
    request: HttpRequest,
    state: WizardState,
    step: str,
    *,
    form: forms.StepForm | None = None,
    notices: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    changing = request.GET.get("change") == "1"
    index = ORDER.index(step)
    back = (
        _step_url("check")
        if changing
        else (_step_url(ORDER[index - 1]) if index else reverse("home"))
    )
    context = {
        "step": step,
        "answers": state.answers,
        **(form.page_context(notices) if form else {}),
        "back_url": back,
        "action": request.get_full_path(),
        **extra,
    }
    return render(request, f"registration/{step}.html", context)


def _advance(request: HttpRequest, state: WizardState, step: str) -> HttpResponse:
    """Saves the answers and goes on: to the next step, or back to the check page after a
    change, unless the change unset a later answer (a new state needs a new centre)."""
    target = ORDER[ORDER.index(step) + 1]
    if request.GET.get("change") == "1" or not state.may_show(target):
        target = state.first_missing_step()
    response = see_other(f"register_{target}")
    wizard_save(response, state)
    return response


def _resume(state: WizardState, step: str) -> HttpResponse | None:
    """Where to send someone who opens a step out of order (a bookmark, or after booking)."""
    if state.done:
        return see_other("register_confirmation")
    if not state.may_show(step):
        return see_other(f"register_{state.first_missing_step()}")
    return None


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", _window_context())


@never_cache
def start(request: HttpRequest) -> HttpResponse:
    state = wizard_load(request)
    return _resume(state, "check") or see_other(f"register_{state.first_missing_step()}")


def _answer(
    request: HttpRequest, state: WizardState, step: str, form: forms.StepForm, **extra: Any
) -> HttpResponse:
    """Keeps a valid step's answers and goes on; otherwise shows the step (again)."""
    if form.is_valid():
        return _advance(request, state.answered(form.answers), step)
    return _page(request, state, step, form=form, **extra)


@wizard_step("id")
def id_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    form = forms.IdForm(forms.posted(request), kept=state.answers, today=timezone.localdate())
    return _answer(request, state, "id", form)


@wizard_step("details")
def details_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    form = forms.DetailsForm(forms.posted(request), kept=state.answers, today=timezone.localdate())
    return _answer(request, state, "details", form)


def _listing_context() -> tuple[dict[str, Any], dict[str, Any]]:
    snapshot = availability_snapshot()
    listing = snapshot.data
    as_of = datetime.datetime.fromisoformat(listing["as_of"])
    return listing, {"as_of": as_of, "age": int(snapshot.age)}


@wizard_step("state")
def state_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    listing, freshness = _listing_context()
    form = forms.StateForm(forms.posted(request), kept=state.answers, listing=listing)
    return _answer(request, state, "state", form, states=state_choices(listing), **freshness)


@wizard_step("centre")
def centre_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    listing, freshness = _listing_context()
    form = forms.CentreForm(forms.posted(request), kept=state.answers, listing=listing)
    code = state.answers["state"]
    extra = {"centres": centre_choices(listing, code), "state_name": STATES.get(code, code)}
    return _answer(request, state, "centre", form, **extra, **freshness)


def _date_context(state: WizardState, listing: dict[str, Any]) -> dict[str, Any]:
    location = state.answers["location"]
    centre = centre_in_listing(listing, location) or {"id": location, "name": location, "slots": []}
    if state.notice == "sold_out":
        # The booking script has just said so; the cached figures may be a second behind.
        full_date = state.notice_slot.partition("|")[2]
        centre = {
            **centre,
            "slots": [
                {**slot, "available": 0} if slot["date"] == full_date else slot
                for slot in centre["slots"]
            ],
        }
    full = state.notice == "sold_out" or not any(slot["available"] for slot in centre["slots"])
    wanted = state.notice_slot.partition("|")[2] or (
        centre["slots"][0]["date"] if centre["slots"] else ""
    )
    alternatives = []
    if full and wanted:
        for offer in slot_alternatives(
            listing, location=location, date=wanted, limit=3, other_centres_only=True
        ):
            other = centre_in_listing(listing, offer["location"])
            alternatives.append({**offer, "name": other["name"] if other else offer["location"]})
    return {"centre": centre, "alternatives": alternatives}


@wizard_step("date")
def date_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    listing, freshness = _listing_context()
    form = forms.DateForm(forms.posted(request), kept=state.answers, listing=listing)
    if form.is_valid():
        return _advance(request, state.answered(form.answers).without_notice(), "date")
    extra = {**_date_context(state, listing), **freshness}
    if state.notice and not form.is_bound:
        # The booking attempt that sent the person here failed: say why, once.
        response = _page(request, state, "date", form=form, notices={"slot": state.notice}, **extra)
        wizard_save(response, state.without_notice())
        return response
    return _page(request, state, "date", form=form, **extra)


def _check_context(state: WizardState) -> dict[str, Any]:
    try:
        listing = availability_snapshot().data
    except store.StoreError:
        listing = {"states": []}
    location = state.answers.get("location", "")
    centre = centre_in_listing(listing, location)
    code = state.answers.get("state", "")
    return {
        "centre_name": centre["name"] if centre else location,
        "state_name": STATES.get(code, code),
    }


@wizard_step("check")
def check_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    if request.method == "POST":
        return _book(request, state)
    return _page(request, state, "check", **_check_context(state))


def _book(request: HttpRequest, state: WizardState) -> HttpResponse:
    answers = state.answers
    try:
        booking = booking_request_clean(
            id_type=answers.get("id_type"),
            id_number=answers.get("id_number"),
            name=answers.get("name"),
            phone=answers.get("phone"),
            email=answers.get("email"),
            location=answers.get("location"),
            date=answers.get("date"),
            birth_date=answers.get("birth_date"),
            lang=get_language() or "en",
            today=timezone.localdate(),
        )
        confirmation = booking_create(request=booking, client_address=client_address(request))
    except BookingError as error:
        return _refused(request, state, error)
    context = _check_context(state)
    response = see_other("register_confirmation")
    wizard_save(
        response,
        state.booked(
            {
                "reference": confirmation.reference,
                "location": confirmation.location,
                "centre_name": context["centre_name"],
                "date": confirmation.date,
                "arrival_window": confirmation.arrival_window,
                "phone": answers.get("phone", ""),
            }
        ),
    )
    return response


def _refused(request: HttpRequest, state: WizardState, error: BookingError) -> HttpResponse:
    if error.code in ("sold_out", "unknown_slot"):
        back = see_other("register_date")
        slot = f"{state.answers.get('location', '')}|{state.answers.get('date', '')}"
        wizard_save(back, state.with_notice(error.code, slot=slot))
        return back
    if error.code == "already_registered":
        return see_other("register_already_registered")
    if error.code == "closed":
        return see_other("register")
    if error.code == "invalid":
        # Only reachable if a rule changed mid-wizard: link each answer to its step.
        errors = [
            {
                "anchor": "",
                "href": _step_url(STEP_OF.get(name, "date")) + "?change=1",
                "message": forms.message(codes[0]),
            }
            for name, codes in error.fields.items()
        ]
    else:
        errors = [{"anchor": "submit", "message": forms.message(error.code)}]
    response = render(
        request,
        "registration/check.html",
        {
            "step": "check",
            "answers": state.answers,
            "errors": errors,
            "back_url": _step_url("date"),
            "action": request.get_full_path(),
            **_check_context(state),
        },
        status=STATUS.get(error.code, 400),
    )
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


@never_cache
def confirmation(request: HttpRequest) -> HttpResponse:
    state = wizard_load(request)
    if not state.done:
        return see_other("register")
    return render(request, "registration/confirmation.html", {"booking": state.done})


@never_cache
@require_POST
def start_again(request: HttpRequest) -> HttpResponse:
    response = see_other("register_id")
    wizard_clear(response)
    return response


def already_registered(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/already_registered.html")
