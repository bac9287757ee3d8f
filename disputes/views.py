"""The person's side of a dispute: from the wizard, with their own verified phone and the ID
number they typed, they say the booking under it is not theirs, and come back to see where
their report stands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from disputes.services import DISPUTES_PER_PHONE_A_DAY, dispute_of, dispute_open
from vaksin.errors import BookingError
from vaksin.responses import busy, see_other
from wizard.state import wizard_load


def _refusal(code: str) -> tuple[str, int]:
    """What the page says when a report is not taken, and its status."""
    if code == "rate_limited":
        return _(
            "This mobile number has reported %(count)d bookings today, the most it can in a day. "
            "For more, speak to staff at any vaccination centre (PPV)."
        ) % {"count": DISPUTES_PER_PHONE_A_DAY}, 429
    # Said alike whether there is no booking or this very phone made it: no more than a booking
    # attempt's own answer would say.
    return _(
        "There is nothing to report: no other mobile number holds a booking under this ID number."
    ), 200


@never_cache
@require_http_methods(["GET", "POST"])
def not_mine(request: HttpRequest) -> HttpResponse:
    state = wizard_load(request)
    answers = state.answers
    if not state.phone or not answers.get("id_type") or not answers.get("id_number"):
        return see_other("register")
    person = {"id_type": answers["id_type"], "id_number": answers["id_number"]}
    errors, status = [], 200
    if request.method == "POST":
        try:
            dispute_open(
                **person,
                claimant_phone=state.phone,
                claimant_name=answers.get("name", ""),
                lang=get_language() or "en",
            )
        except BookingError as error:
            if error.code == "unavailable":
                return busy(request)
            said, status = _refusal(error.code)
            errors = [{"anchor": "report", "message": said}]
        if not errors:
            return see_other("dispute_not_mine")
    dispute = dispute_of(**person, claimant_phone=state.phone)
    context = {"dispute": dispute, "errors": errors, "id_ending": answers["id_number"][-4:]}
    return render(request, "disputes/not_mine.html", context, status=status)
