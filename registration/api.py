"""POST /api/bookings: the JSON face of the same booking service the wizard uses.

Every refusal is a machine-readable JSON error with the status of SPEC's table; no input,
however malformed, reaches a 5xx. The API is CSRF-exempt: it takes no cookies.
"""

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt

from availability.selectors import availability_snapshot, slot_alternatives
from registration.errors import STATUS, BookingError
from registration.forms import message
from registration.middleware import client_address
from registration.services import booking_create, booking_request_clean
from registration.window import registration_state
from vaksin import store

FIELDS = ("id_type", "id_number", "name", "phone", "email", "location", "date", "birth_date")
IDEMPOTENCY_KEY_MAX_LENGTH = 255


def _answer(body: dict[str, Any], *, status: int, retry_after: int = 0) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _invalid(fields: dict[str, list[str]]) -> JsonResponse:
    return _answer(
        {
            "error": "invalid",
            "fields": {name: [message(code) for code in codes] for name, codes in fields.items()},
        },
        status=400,
    )


def _alternatives(location: str, date: str) -> list[dict[str, Any]]:
    try:
        listing = availability_snapshot().data
    except store.StoreError:
        return []
    return slot_alternatives(listing, location=location, date=date)


def _refused(error: BookingError, *, location: str, date: str) -> JsonResponse:
    if error.code == "invalid":
        return _invalid(error.fields)
    body: dict[str, Any] = {"error": error.code}
    if error.code == "sold_out":
        body["alternatives"] = _alternatives(location, date)
    elif error.code == "idempotency_conflict":
        body["error"] = "idempotency_key_reused"
    return _answer(body, status=STATUS.get(error.code, 400), retry_after=error.retry_after)


def _parsed(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    try:
        raw = request.body
    except RequestDataTooBig:
        return _answer({"error": "too_large"}, status=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, or nesting deep enough to blow up
        return _invalid({"body": ["body_json"]})
    if not isinstance(body, dict):
        return _invalid({"body": ["body_json"]})
    return body


@csrf_exempt
def bookings_api(request: HttpRequest) -> JsonResponse:
    # Served without LocaleMiddleware (vaksin.lean): the language comes from the request here.
    with translation.override(translation.get_language_from_request(request)):
        return _bookings_api(request)


def _bookings_api(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = _answer({"error": "method_not_allowed"}, status=405)
        response["Allow"] = "POST"
        return response
    if registration_state() != "open":
        return _answer({"error": "closed"}, status=403)
    body = _parsed(request)
    if isinstance(body, JsonResponse):
        return body
    key = request.META.get("HTTP_IDEMPOTENCY_KEY", "")
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not (key.isascii() and key.isprintable()):
        return _invalid({"idempotency_key": ["idempotency_key_format"]})
    values = {name: body.get(name) for name in FIELDS}
    try:
        booking = booking_request_clean(
            **values, lang=translation.get_language() or "en", today=timezone.localdate()
        )
        confirmation = booking_create(
            request=booking, client_address=client_address(request), idempotency_key=key
        )
    except BookingError as error:
        return _refused(error, location=booking_location(values), date=str(values["date"]))
    return _answer(confirmation.as_json(), status=201 if confirmation.created else 200)


def booking_location(values: dict[str, Any]) -> str:
    location = values.get("location")
    return location.strip().upper() if isinstance(location, str) else ""
