"""POST /api/bookings: the JSON face of the same booking service the wizard uses.

Every refusal is a machine-readable JSON error with the status docs/api.md gives it (3.6); no input,
however malformed, reaches a 5xx. A booking is made from a verified phone only: the bearer
token of POST /api/verifications/confirm (phones/api.py).
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation

from availability.selectors import availability_snapshot, slot_alternatives
from phones.api import verified_phone
from registration.services import booking_create, booking_request_clean
from vaksin import store
from vaksin.addresses import client_address
from vaksin.errors import BookingError
from vaksin.invalid_bodies import invalid_body_refusal
from vaksin.json_api import answer, invalid, json_endpoint, parsed_body, refused
from vaksin.lean import lean
from vaksin.window import registration_state

FIELDS = ("id_type", "id_number", "name", "phone", "email", "location", "date", "birth_date")
IDEMPOTENCY_KEY_MAX_LENGTH = 255


def _alternatives(location: str, date: str) -> list[dict[str, Any]]:
    try:
        listing = availability_snapshot().data
    except store.StoreError:
        return []
    return slot_alternatives(listing, location=location, date=date)


def _refused(error: BookingError, *, location: str, date: str) -> JsonResponse:
    if error.code == "sold_out":
        return refused(error, alternatives=_alternatives(location, date))
    if error.code == "idempotency_conflict":
        return answer({"error": "idempotency_key_reused"}, status=422)
    if error.code == "not_admitted":
        return refused(error, position=error.position)
    return refused(error)


def _over_budget(request: HttpRequest, phone: str | None = None) -> JsonResponse | None:
    """The 429 for a refused body over its budget (vaksin/invalid_bodies.py). The address is
    worked out here, for refusals only: parsing it was a visible part of every booking's CPU."""
    return invalid_body_refusal(address=client_address(request), phone=phone)


@lean
@json_endpoint
def bookings_api(request: HttpRequest) -> JsonResponse:
    if registration_state() != "open":
        return answer({"error": "closed"}, status=403)
    phone = verified_phone(request)
    if phone is None:
        unverified = answer({"error": "phone_unverified"}, status=401)
        return _over_budget(request) or unverified
    body = parsed_body(request)
    if isinstance(body, JsonResponse):
        return _over_budget(request, phone) or body
    key = request.META.get("HTTP_IDEMPOTENCY_KEY", "")
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not (key.isascii() and key.isprintable()):
        bad_key = invalid({"idempotency_key": ["idempotency_key_format"]})
        return _over_budget(request, phone) or bad_key
    values = {name: body.get(name) for name in FIELDS}
    try:
        booking = booking_request_clean(
            **values,
            verified_phone=phone,
            lang=translation.get_language() or "en",
            today=timezone.localdate(),
        )
        confirmation = booking_create(request=booking, idempotency_key=key)
    except BookingError as error:
        if error.code == "invalid" and (limited := _over_budget(request, phone)):
            return limited
        return _refused(error, location=booking_location(values), date=str(values["date"]))
    return answer(confirmation.as_json(), status=201 if confirmation.created else 200)


def booking_location(values: dict[str, Any]) -> str:
    location = values.get("location")
    return location.strip().upper() if isinstance(location, str) else ""
