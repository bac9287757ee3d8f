"""The landing page and the registration wizard.

Every view is thin: it cleans the posted step (registration.forms), records the answers in the
encrypted wizard cookie (wizard.state), calls one service or selector, then redirects
(post/redirect/get) or renders. Pages that show answers are never stored by any cache.

The wizard starts with the person's mobile number and a code sent to it by SMS. Those two steps
open with verification (VERIFICATION_OPENS_AT), days before registration does, so a person can
verify ahead and come back at noon to book straight away; the booking steps open with
registration.
"""

import datetime
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from availability.selectors import (
    availability_snapshot,
    centre_choices,
    centre_in_listing,
    last_offered_date,
    slot_alternatives,
    state_choices,
)
from availability.states import STATES
from phones import forms as phone_forms
from phones.services import (
    VerificationError,
    VerifiedPhone,
    verification_confirm,
    verification_start,
)
from registration.calendar import calendar_response
from registration.services import booking_create
from vaksin import forms as public_forms
from vaksin import store
from vaksin.addresses import client_address
from vaksin.errors import STATUS, BookingError, message
from vaksin.responses import busy, see_other
from vaksin.switches import registration_override
from vaksin.window import registration_state, verification_state
from waiting_room.services import queue_applies, queue_standing
from wizard import forms
from wizard.digest import answers_digest, answers_unchanged
from wizard.opening import registration_status
from wizard.services import wizard_booking_request
from wizard.state import (
    ORDER,
    PHONE_STEPS,
    STEP_OF,
    WizardState,
    wizard_clear,
    wizard_load,
    wizard_save,
)

WizardView = Callable[[HttpRequest, WizardState], HttpResponse]


def _window_context() -> dict[str, Any]:
    return {
        "registration_state": registration_state(),
        "registration_status": registration_status(),
        "opens_at": settings.REGISTRATION_OPENS_AT,
        "closes_at": settings.REGISTRATION_CLOSES_AT,
        "verification_state": verification_state(),
        "verification_opens_at": settings.VERIFICATION_OPENS_AT,
        "waiting_room_opens_at": settings.WAITING_ROOM_OPENS_AT,
        "verifies_early": bool(
            settings.VERIFICATION_OPENS_AT
            and settings.REGISTRATION_OPENS_AT
            and settings.VERIFICATION_OPENS_AT < settings.REGISTRATION_OPENS_AT
        ),
    }


def wizard_step(step: str) -> Callable[[WizardView], Callable[[HttpRequest], HttpResponse]]:
    """Shared by every wizard page: open only while verification (the phone steps) or
    registration (the others) is, never cached, shown only in order (see _resume), and a busy
    page (not an error) when Redis cannot answer."""

    def decorate(view: WizardView) -> Callable[[HttpRequest], HttpResponse]:
        @wraps(view)
        @never_cache
        @require_http_methods(["GET", "POST"])
        def wrapped(request: HttpRequest) -> HttpResponse:
            state = wizard_load(request)
            opened = verification_state() if step in PHONE_STEPS else registration_state()
            if opened != "open" or registration_override() == "closed":
                # Paused: not even a code, which would be spent before it reopens. The page's
                # full context (whether places are left: a walk of the listing) only then.
                return _closed(request, state, _window_context())
            try:
                return _resume(state, step) or _queued(state, step, request) or view(request, state)
            except store.StoreError:
                return busy(request)

        return wrapped

    return decorate


def _queued(
    state: WizardState, step: str, request: HttpRequest | None = None
) -> HttpResponse | None:
    """While the waiting room is on, the booking steps are for phones whose turn has come;
    each of their pages then says by when to book (`request.book_by`, the pass's end)."""
    if step in PHONE_STEPS or not state.phone or not queue_applies():
        return None
    standing = queue_standing(phone=state.phone)
    if standing.admitted:
        if request is not None:
            request.book_by = standing.admitted_until  # type: ignore[attr-defined]
        return None
    return see_other("register_wait")


def _closed(request: HttpRequest, state: WizardState, window: dict[str, Any]) -> HttpResponse:
    context = {**window, "phone": state.phone}
    return render(request, "wizard/closed.html", context, status=403)


def _step_url(step: str) -> str:
    return _url(f"register_{step}", get_script_prefix())


@lru_cache(maxsize=64)
def _url(name: str, prefix: str) -> str:
    # Kept per process: a step's URL never changes under it (the prefix is the deployment's).
    return reverse(name)


def _page(
    request: HttpRequest,
    state: WizardState,
    step: str,
    *,
    form: public_forms.StepForm | None = None,
    notices: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    number, count = _step_of(state, step)
    context = {
        "step": step,
        "step_number": number,
        "step_count": count,
        "answers": state.answers,
        "phone": state.phone,
        **(form.page_context(notices) if form else {}),
        "back_url": _back_url(request, step, state),
        "action": request.get_full_path(),
        "book_by": getattr(request, "book_by", None),
        **extra,
    }
    return render(request, f"wizard/{step}.html", context, status=status)


def _single_centre(code: str) -> str:
    """The one centre of a state that has only one (its step is skipped), else ""."""
    if not code:
        return ""
    try:
        centres = centre_choices(availability_snapshot().data, code)
    except store.StoreError:
        return ""
    return str(centres[0]["id"]) if len(centres) == 1 else ""


def _step_of(state: WizardState, step: str) -> tuple[int, int]:
    """ "Step N of M": a state with one centre skips the centre step, once it is chosen."""
    steps = list(ORDER)
    if _single_centre(state.answers.get("state", "")):
        steps.remove("centre")
    return (steps.index(step) + 1 if step in steps else 0), len(steps)


# Where a step's Back link goes, when not the step before it: the start page, or from the
# first booking step back to the (verified) number.
BACK = {"phone": "", "id": "phone"}


def _back_url(request: HttpRequest, step: str, state: WizardState | None = None) -> str:
    if request.GET.get("change") == "1":
        return _step_url("check")
    previous = BACK.get(step, ORDER[ORDER.index(step) - 1])
    if previous == "centre" and state and _single_centre(state.answers.get("state", "")):
        previous = "state"
    return _step_url(previous) if previous else _url("home", get_script_prefix())


def _advance(request: HttpRequest, state: WizardState, step: str) -> HttpResponse:
    """Saves the answers and goes on: to the next step, or back to the check page after a
    change, unless the change unset a later answer (a new state needs a new centre)."""
    target = ORDER[ORDER.index(step) + 1]
    if request.GET.get("change") == "1" or not state.may_show(target):
        target = state.first_missing_step()
    response = see_other(f"register_{target}")
    wizard_save(response, state.without_retry())
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
    window = _window_context()
    if window["registration_status"] == "paused":
        # Said here, before the waiting room: a waiting phone would otherwise be sent back and
        # forth between the two (its ticket stays for when registration reopens).
        return _closed(request, state, window)
    try:
        if state.phone and not state.done and _queued(state, "id"):
            return see_other("register_wait")
    except store.StoreError:
        return busy(request)
    if state.phone and not state.done and registration_state() == "not_yet_open":
        return see_other("register_ready")
    return _resume(state, "check") or see_other(f"register_{state.first_missing_step()}")


def _answer(
    request: HttpRequest, state: WizardState, step: str, form: public_forms.StepForm, **extra: Any
) -> HttpResponse:
    """Keeps a valid step's answers and goes on; a refused POST goes back to the step's GET,
    which shows the answers as typed with their errors; a GET shows the step."""
    if request.method != "POST":
        return _page(request, state, step, form=form, **extra)
    if form.is_valid():
        return _advance(request, state.answered(form.answers), step)
    return _retry(request, state, step)


# At most this many posted fields are kept for the step's GET: every step has fewer.
RETRY_FIELDS = 8


def _retry(request: HttpRequest, state: WizardState, step: str) -> HttpResponse:
    """Post/redirect/get for errors too: the answers as typed go to the step's GET in the
    encrypted cookie, so Back and reload never ask to resubmit a form. They stay (a reload shows
    the same page) until the step is answered or another is refused."""
    typed = {
        name: public_forms.cut(value)
        for name, value in request.POST.items()
        if name != "csrfmiddlewaretoken"
    }
    response = HttpResponseRedirect(request.get_full_path())
    response.status_code = 303
    wizard_save(response, state.with_retry(step, dict(list(typed.items())[:RETRY_FIELDS])))
    return response


def _posted(request: HttpRequest, state: WizardState, step: str) -> QueryDict | None:
    """What the step's form is bound to: the POST, the refused answers on the GET after it,
    or nothing (the answers kept so far)."""
    if request.method == "POST":
        return request.POST
    if state.retry_step != step:
        return None
    typed = QueryDict(mutable=True)
    typed.update(state.retry)
    return typed


@wizard_step("phone")
def phone_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    form = phone_forms.PhoneForm(
        _posted(request, state, "phone"), kept={"phone": state.pending or state.phone}
    )
    if not form.is_valid():
        if request.method == "POST":
            return _retry(request, state, "phone")
        return _page(request, state, "phone", form=form, **_phone_context())
    if request.method != "POST":
        return _step_page(request, state, "phone", form, **_phone_context())
    phone = form.cleaned_data["phone"]
    if phone == state.phone:
        # Already verified: no new code is needed to keep the same number.
        return _verified(state)
    return _send_code(request, state, phone, form=form, step="phone")


def _send_code(
    request: HttpRequest, state: WizardState, phone: str, *, form: public_forms.StepForm, step: str
) -> HttpResponse:
    """Sends a new code to `phone` and shows the code step, or says why no code was sent."""
    try:
        verification_start(
            phone=phone, client_address=client_address(request), lang=get_language() or "en"
        )
    except VerificationError as error:
        return _verification_refused(request, state, error, step, kind="send")
    response = see_other("register_code")
    sent = state.without_retry().code_sent(phone, at=int(time.time()))
    wizard_save(response, sent.with_notice("code_resent") if step == "code" else sent)
    return response


def _verification_refused(
    request: HttpRequest,
    state: WizardState,
    error: VerificationError,
    step: str,
    *,
    kind: str,
    lapsed: bool = False,
) -> HttpResponse:
    """Why no code was sent or the code was not accepted, said by the step's own GET after a
    303 (post/redirect/get, as for every other step's errors): Back and reload never post the
    code again. The number as typed is kept; a code never is."""
    if error.code == "closed":
        return _closed(request, state, _window_context())
    if error.code == "unavailable":
        return busy(request)
    typed = {"phone": public_forms.cut(request.POST.get("phone", ""))} if step == "phone" else {}
    field = next(iter(error.fields.values()))[0] if error.fields else ""
    kept = {
        REFUSED: error.code,
        "!field": field,
        "!limit": error.limit,
        "!until": str(int(time.time()) + error.retry_after),
        "!tries": str(error.tries_left),
        "!lapsed": "1" if lapsed else "",
        "!kind": kind,
    }
    response = see_other(f"register_{step}")
    wizard_save(response, state.with_retry(step, {**typed, **kept}))
    return response


# The key of the wizard's kept answers under which a refused send or code waits for its GET;
# the other "!" keys say what the message needs (keys no form field has).
REFUSED = "!refused"


def _kept_refusal(
    state: WizardState, step: str
) -> tuple[VerificationError, ValidationError] | None:
    """The refusal a POST of this step kept for its GET, rebuilt: the error (with the seconds
    still to wait) and its message in the language of this request."""
    kept = state.retry if state.retry_step == step else {}
    if REFUSED not in kept:
        return None
    error = VerificationError(
        kept[REFUSED],
        fields={step: [kept["!field"]]} if kept.get("!field") else None,
        retry_after=max(0, int(kept.get("!until") or 0) - int(time.time())),
        tries_left=int(kept.get("!tries") or 0),
        limit=kept.get("!limit", ""),
    )
    if kept.get("!kind") == "send":
        return error, phone_forms.send_refusal(error)
    return error, phone_forms.refusal_of(error, lapsed=bool(kept.get("!lapsed")))


def _step_page(
    request: HttpRequest,
    state: WizardState,
    step: str,
    form: public_forms.StepForm,
    *,
    saved: WizardState | None = None,
    **extra: Any,
) -> HttpResponse:
    """The phone or code step's GET, with the refusal of the POST before it if there was one:
    said once, with the status and Retry-After the POST's own answer had (429 when it was a
    limit). `saved`: the state to keep after this page, when it changes."""
    refused = _kept_refusal(state, step)
    if refused is None:
        response = _page(request, state, step, form=form, **extra)
    else:
        error, refusal = refused
        if not form.is_bound:
            # The code step's form: a code is never kept, so it has no data, and add_error
            # expects cleaned data to take the field out of.
            form.cleaned_data = {}
        form.add_error(step, refusal)
        status = 429 if error.code == "rate_limited" else 200
        response = _page(request, state, step, form=form, status=status, **extra)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        typed = {name: value for name, value in state.retry.items() if not name.startswith("!")}
        after = saved or state
        saved = after.with_retry(step, typed) if typed else after.without_retry()
    if saved is not None:
        wizard_save(response, saved)
    return response


def _phone_context() -> dict[str, Any]:
    return {**_window_context(), "phone_limit": settings.PHONE_BOOKING_LIMIT}


def _code_context(state: WizardState) -> dict[str, Any]:
    expires = state.sent_at + settings.VERIFICATION_CODE_SECONDS
    return {
        "pending": state.pending,
        "expires_at": datetime.datetime.fromtimestamp(expires, tz=datetime.UTC),
        "sends_per_hour": settings.VERIFICATION_SENDS_PER_PHONE,
        "resent": state.notice == "code_resent",
    }


@wizard_step("code")
def code_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    form = phone_forms.CodeForm(public_forms.posted(request))
    if request.method != "POST":
        # "We have sent a new code" is said once.
        saved = state.without_notice() if state.notice else None
        return _step_page(request, state, "code", form, saved=saved, **_code_context(state))
    state = state.without_notice()
    if "resend" in request.POST:
        return _send_code(request, state, state.pending, form=form, step="code")
    form.is_valid()  # the code as typed: verification_confirm owns its rule
    try:
        verified = verification_confirm(
            phone=state.pending,
            code=form.cleaned_data["code"],
            client_address=client_address(request),
        )
    except VerificationError as error:
        lapsed = time.time() >= state.sent_at + settings.VERIFICATION_CODE_SECONDS
        return _verification_refused(request, state, error, "code", kind="confirm", lapsed=lapsed)
    return _verified(state, verified)


def _verified(state: WizardState, verified: VerifiedPhone | None = None) -> HttpResponse:
    """On to the first unanswered step; before registration opens, to the page that says
    to come back then."""
    state = state.without_retry()
    if verified:
        state = state.verified(verified.phone, until=int(verified.expires_at.timestamp()))
    if queue_applies():
        response = see_other("register_wait")
    elif registration_state() == "not_yet_open":
        response = see_other("register_ready")
    else:
        response = see_other(f"register_{state.first_missing_step()}")
    wizard_save(response, state)
    return response


@never_cache
def ready(request: HttpRequest) -> HttpResponse:
    """A verified phone before registration opens: come back then, no new code needed."""
    state = wizard_load(request)
    window = _window_context()
    if not state.phone or state.done or window["registration_state"] != "not_yet_open":
        return see_other("register")
    return render(request, "wizard/ready.html", {**window, "phone": state.phone})


def _last_day() -> datetime.date:
    """The last date appointments are offered: the latest in the listing, or the horizon."""
    try:
        last = last_offered_date(availability_snapshot().data)
    except store.StoreError:
        last = None
    today = timezone.localdate()
    return last or today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def _dated(data: QueryDict | None) -> dict[str, Any]:
    """What a dated form needs: today, and for answers to check the last day offered, for the
    age."""
    return {
        "today": timezone.localdate(),
        "last_day": _last_day() if data is not None else None,
    }


@wizard_step("id")
def id_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    data = _posted(request, state, "id")
    form = forms.IdForm(data, kept=state.answers, **_dated(data))
    return _answer(request, state, "id", form)


@wizard_step("details")
def details_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    data = _posted(request, state, "details")
    form = forms.DetailsForm(data, kept=state.answers, **_dated(data))
    return _answer(request, state, "details", form)


def _listing_context() -> tuple[dict[str, Any], dict[str, Any]]:
    snapshot = availability_snapshot()
    listing = snapshot.data
    as_of = datetime.datetime.fromisoformat(listing["as_of"])
    return listing, {"as_of": as_of, "age": int(snapshot.age)}


@wizard_step("state")
def state_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    listing, freshness = _listing_context()
    form = forms.StateForm(_posted(request, state, "state"), kept=state.answers, listing=listing)
    posted = request.method == "POST"
    if posted and form.is_valid() and (only := _single_centre(form.cleaned_data["state"])):
        # One centre in the state: nothing to choose, straight on to its dates.
        return _advance(request, state.answered({**form.answers, "location": only}), "centre")
    choices = state_choices(listing)
    listed = {choice["code"] for choice in choices}
    unlisted = [name for code, name in STATES.items() if code not in listed]
    return _answer(request, state, "state", form, states=choices, unlisted=unlisted, **freshness)


@wizard_step("centre")
def centre_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    listing, freshness = _listing_context()
    form = forms.CentreForm(_posted(request, state, "centre"), kept=state.answers, listing=listing)
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
    full_dates = [slot["date"] for slot in centre["slots"] if slot["available"] <= 0]
    return {
        "centre": centre,
        "alternatives": alternatives,
        "full_dates": full_dates,
        "single_centre": bool(_single_centre(state.answers.get("state", ""))),
        "sold_out_date": wanted if state.notice == "sold_out" else "",
        # A date is offered with its second dose (vaksin/doses.py): the page says when.
        "dose_interval": settings.DOSE_INTERVAL_DAYS,
    }


@wizard_step("date")
def date_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    listing, freshness = _listing_context()
    form = forms.DateForm(_posted(request, state, "date"), kept=state.answers, listing=listing)
    if request.method == "POST":
        if form.is_valid():
            return _advance(request, state.answered(form.answers).without_notice(), "date")
        return _retry(request, state.without_notice(), "date")
    extra = {**_date_context(state, listing), **freshness}
    if state.notice and not form.is_bound:
        # The booking attempt that sent the person here failed: say why, once.
        notice = state.notice
        if notice == "sold_out" and extra["sold_out_date"]:
            day = datetime.date.fromisoformat(extra["sold_out_date"])
            notice = forms.sold_out_on(day, alternatives=bool(extra["alternatives"]))
        response = _page(request, state, "date", form=form, notices={"slot": notice}, **extra)
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
        seen = request.POST.get("answers")
        if seen is not None and not answers_unchanged(state, seen):
            # Changed in another tab since this page was shown: show what would be booked now.
            changed = see_other("register_check")
            wizard_save(changed, state.with_notice("answers_changed"))
            return changed
        return _book(request, state)
    response = _page(
        request,
        state,
        "check",
        answers_digest=answers_digest(state),
        answers_changed=state.notice == "answers_changed",
        **_check_context(state),
    )
    if state.notice:
        wizard_save(response, state.without_notice())
    return response


def _book(request: HttpRequest, state: WizardState) -> HttpResponse:
    try:
        booking = wizard_booking_request(
            state, location=state.answers.get("location"), date=state.answers.get("date")
        )
        confirmation = booking_create(request=booking)
    except BookingError as error:
        return _refused(request, state, error)
    context = _check_context(state)
    response = see_other("register_confirmation")
    wizard_save(
        response,
        state.booked(
            {
                "reference": confirmation.reference,
                "name": booking.name,
                "id_last_digits": booking.id_number[-4:],
                "location": confirmation.location,
                "centre_name": context["centre_name"],
                "date": confirmation.date,
                "arrival_window": confirmation.arrival_window,
                "second_date": confirmation.second_date,
                "second_window": confirmation.second_window,
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
        # Whatever the phone, nothing more: not where, not when, not the reference.
        return see_other("register_already_registered")
    if error.code == "closed":
        return see_other("register")
    if error.code == "not_admitted":
        return see_other("register_wait")
    if error.code == "invalid":
        # Only reachable if a rule changed mid-wizard: link each answer to its step.
        errors = [
            {
                "anchor": "",
                "href": _step_url(STEP_OF.get(name, "date")) + "?change=1",
                "message": message(codes[0]),
            }
            for name, codes in error.fields.items()
        ]
    elif error.code == "phone_limit":
        errors = [
            {
                "anchor": "",
                "href": _step_url("phone") + "?change=1",
                "message": forms.phone_limit_message(settings.PHONE_BOOKING_LIMIT),
            }
        ]
    else:
        errors = [{"anchor": "submit", "message": message(error.code)}]
    response = render(
        request,
        "wizard/check.html",
        {
            "step": "check",
            "answers": state.answers,
            "phone": state.phone,
            "errors": errors,
            "back_url": _step_url("date"),
            "action": request.get_full_path(),
            "answers_digest": answers_digest(state),
            "book_by": getattr(request, "book_by", None),
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
    context = {"booking": state.done, "phone_limit": settings.PHONE_BOOKING_LIMIT}
    return render(request, "wizard/confirmation.html", context)


@never_cache
def confirmation_calendar(request: HttpRequest) -> HttpResponse:
    """The booking just made, as an .ics file for the phone's calendar."""
    state = wizard_load(request)
    if not state.done:
        return see_other("register")
    done = state.done
    return calendar_response(
        reference=done["reference"],
        centre_name=done["centre_name"],
        date=done["date"],
        arrival_window=done["arrival_window"],
        second_date=done.get("second_date", ""),
        second_window=done.get("second_window", ""),
    )


@never_cache
@require_POST
def start_again(request: HttpRequest) -> HttpResponse:
    """Someone else's registration. A phone verified and not yet booked with stays verified (a
    family books from one phone); after a booking, the confirmation kept no phone to keep."""
    state = wizard_load(request)
    response = see_other("register")
    if state.phone and not state.done:
        wizard_save(response, WizardState().verified(state.phone, until=state.phone_until))
    else:
        wizard_clear(response)
    return response


def already_registered(request: HttpRequest) -> HttpResponse:
    return render(request, "wizard/already_registered.html")
