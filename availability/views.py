"""GET /api/availability: the listing, served from the per-view micro-cache."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from availability.cache import micro_cache
from availability.selectors import (
    LISTING,
    LISTING_CACHE_CONTROL,
    availability_for_state,
    availability_listing_rendered,
    availability_snapshot,
)
from availability.states import STATES
from vaksin import store
from vaksin.lean import lean


def _state_filter(request: HttpRequest) -> str:
    """The cache key: one copy per known state, one for the whole list, one for anything else,
    so that made-up query strings cannot fill the cache."""
    code = request.GET.get("state")
    if code is None:
        return ""
    return code.upper() if code.upper() in STATES else "unknown"


def _unavailable() -> JsonResponse:
    response = JsonResponse({"error": "unavailable"}, status=503)
    response["Retry-After"] = "2"
    response["Cache-Control"] = "no-store"
    return response


@lean
@require_safe
@micro_cache(LISTING, vary=_state_filter)
def availability_api(request: HttpRequest) -> HttpResponse:
    code = _state_filter(request)
    try:
        if not code:
            rendered = availability_listing_rendered(now=timezone.localtime())
            body = rendered.body
        else:
            body = json.dumps(
                availability_for_state(availability_snapshot().data, code), separators=(",", ":")
            ).encode()
    except store.StoreError:
        return _unavailable()
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = LISTING_CACHE_CONTROL
    return response
