"""/api/queue: the waiting room for API clients (docs/api.md, 3.7).

POST (with the bearer token of a verified phone) takes or reads the phone's ticket: the same
phone always gets the same ticket, from any tab, device or app. GET is the part every waiting
person shares (how far admission has reached, the rate, the draw's commitment and, from the
opening, its seed): one small document, cached for a second here and at the edge, so polling
costs the origin almost nothing.
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from availability.cache import micro_cache
from availability.selectors import LISTING_CACHE_CONTROL
from phones.api import verified_phone
from vaksin.json_api import answer
from vaksin.lean import lean
from vaksin.store import StoreError
from vaksin.window import registration_state
from waiting_room.services import PUBLIC, queue_join, queue_public, room_on


@lean
@csrf_exempt
def queue_api(request: HttpRequest) -> HttpResponse:
    if not room_on():
        return answer({"error": "no_waiting_room"}, status=404)
    if request.method == "POST":
        return queue_join_api(request)
    if request.method in ("GET", "HEAD"):
        return queue_state_api(request)
    response = answer({"error": "method_not_allowed"}, status=405)
    response["Allow"] = "GET, HEAD, POST"
    return response


def queue_join_api(request: HttpRequest) -> JsonResponse:
    if registration_state() == "closed":
        return answer({"error": "closed"}, status=403)
    phone = verified_phone(request)
    if phone is None:
        return answer({"error": "phone_unverified"}, status=401)
    try:
        standing = queue_join(phone=phone)
    except StoreError:
        return answer({"error": "unavailable"}, status=503, retry_after=2)
    return answer(standing.as_json(), status=200)


@micro_cache(PUBLIC)
def queue_state_api(request: HttpRequest) -> HttpResponse:
    try:
        body = queue_public()
    except StoreError:
        return answer({"error": "unavailable"}, status=503, retry_after=2)
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")), content_type="application/json"
    )
    response["Cache-Control"] = LISTING_CACHE_CONTROL
    return response
