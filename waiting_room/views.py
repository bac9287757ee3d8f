"""The waiting room's page: where a verified phone stands, refreshed by the page itself (no
JavaScript), and on into the wizard's booking steps once its turn comes.

The booking steps send every phone without a valid pass here (see wizard_step); the booking
script checks the pass again (lua/registration/book.lua), so skipping this page gains
nothing.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from phones.browser import browser_phone_load
from vaksin import store
from vaksin.responses import busy, see_other
from vaksin.window import registration_state
from waiting_room.services import places_gone, queue_join, queue_seed_revealed, room_on

# How often the page refreshes itself: often enough that a turn is not missed by much, seldom
# enough that three million waiting pages cost the origin little (each refresh is O(1)).
REFRESH_SECONDS = (5, 30)


def refresh_seconds(wait: int | None) -> int:
    low, high = REFRESH_SECONDS
    return high if wait is None else min(max(wait // 4, low), high)


@never_cache
@require_safe
def waiting(request: HttpRequest) -> HttpResponse:
    phone = browser_phone_load(request).phone
    if not phone:
        return see_other("register")
    if not room_on() or registration_state() == "closed":
        return see_other("register")
    try:
        standing = queue_join(phone=phone)
        sold_out = places_gone()
        seed = queue_seed_revealed()
    except store.StoreError:
        return busy(request)
    if standing.admitted and not sold_out:
        return see_other("register")  # which resumes the wizard where the person left it
    # A header, not a <meta> tag, and a link to stop it (WCAG 2.2.1: a person who needs more
    # time may turn the timing off, then look again when they choose).
    refreshing = request.GET.get("refresh") != "off"
    context = {
        "standing": standing,
        "sold_out": sold_out,
        "seed": seed,
        "phone": phone,
        "opens_at": standing.opening,
        "not_yet_open": registration_state() == "not_yet_open",
        "refresh": 120 if sold_out else refresh_seconds(standing.estimated_wait_seconds),
        "wait_minutes": -(-(standing.estimated_wait_seconds or 0) // 60),
        "admission_minutes": settings.ADMISSION_MINUTES,
        "refreshing": refreshing,
    }
    response = render(request, "waiting_room/waiting.html", context)
    if refreshing:
        response["Refresh"] = str(context["refresh"])
    return response
