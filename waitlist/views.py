"""The waiting list: joining it from the date step of the wizard, and the page an offer's SMS
links to, where the person books the place held for them."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from availability.selectors import availability_snapshot, centre_in_listing
from vaksin import store
from vaksin.errors import STATUS, BookingError, message
from vaksin.responses import busy, see_other
from waitlist.services import offer_accept, offer_read, waitlist_join
from wizard.services import wizard_booking_request
from wizard.state import WizardState
from wizard.views import wizard_step


@require_POST
@wizard_step("date")
def waitlist_join_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    """Puts the wizard's verified phone in line for a full date at the chosen centre."""
    location, _, date = str(request.POST.get("slot", "")).partition("|")
    centre = centre_in_listing(availability_snapshot().data, location)
    if centre is None or centre["state"] != state.answers.get("state"):
        return see_other("register_date")
    try:
        booking = wizard_booking_request(state, location=location, date=date)
        # The phone the wizard's cookie holds is verified until phone_until: the list is told,
        # so that no place is offered to it once that has passed.
        joined = waitlist_join(request=booking, verified_until=state.phone_until)
    except BookingError as error:
        if error.code == "unavailable":
            return busy(request)
        if error.code == "already_registered":
            return see_other("register_already_registered")
        if error.code == "phone_unverified":
            return see_other("register_phone")
        # A place is free after all ("available"), or the date is not offered: choose again.
        return see_other("register_date")
    listing = availability_snapshot().data
    context = {
        "centre_name": centre["name"],
        "date": date,
        "position": joined.position,
        "offer_minutes": settings.OFFER_MINUTES,
        # The lists this phone was on and has left for this one, so the person knows.
        "left": [
            {
                "centre_name": (centre_in_listing(listing, where) or {}).get("name", where),
                "date": day,
            }
            for where, day in joined.left
        ],
    }
    return render(request, "waitlist/waiting_list.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist_offer(request: HttpRequest, code: str) -> HttpResponse:
    """The place held for a waiter: shown on a GET, booked on a POST."""
    try:
        offer = offer_read(code)
        if offer is None:
            return render(request, "waitlist/offer_gone.html", status=410)
        if request.method != "POST":
            return render(request, "waitlist/offer.html", {"offer": offer})
        booked = offer_accept(offer=offer)
    except store.StoreError:
        return busy(request)
    except BookingError as error:
        if error.code == "unavailable":
            return busy(request)
        if error.code == "offer_gone":
            return render(request, "waitlist/offer_gone.html", status=410)
        errors = [{"anchor": "submit", "message": message(error.code)}]
        context = {"offer": offer, "errors": errors}
        return render(request, "waitlist/offer.html", context, status=STATUS.get(error.code, 409))
    booking = {
        "reference": booked.reference,
        "centre_name": offer.centre_name,
        "date": booked.date,
        "arrival_window": booked.arrival_window,
        "second_date": booked.second_date,
        "second_window": booked.second_window,
    }
    return render(request, "waitlist/offer_booked.html", {"booking": booking})
