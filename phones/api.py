"""POST /api/verifications and /api/verifications/confirm: a phone proves it is held.

See phones/services.py for the codes and tokens, and docs/api.md (3.4, 3.5).
"""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import translation

from phones import budget
from phones.services import (
    VerificationError,
    phone_from_token,
    verification_confirm,
    verification_start,
)
from vaksin.addresses import client_address
from vaksin.invalid_bodies import invalid_body_refusal
from vaksin.json_api import answer, json_endpoint, parsed_body, refused
from vaksin.lean import lean


def _refused(error: VerificationError, *, address: str) -> JsonResponse:
    """A refusal; an invalid body is counted against the address first (vaksin/invalid_bodies)."""
    if error.code == "invalid" and (limited := invalid_body_refusal(address=address)):
        return limited
    if error.limit == budget.LIMIT:
        # The SMS budget, not this client's doing: said so, in the request's language.
        return refused(
            error, reason=budget.LIMIT, message=budget.budget_refusal_text(error.retry_after)
        )
    return refused(error)


@lean
@json_endpoint
def verifications_api(request: HttpRequest) -> JsonResponse:
    address = client_address(request)
    body = parsed_body(request)
    if isinstance(body, JsonResponse):
        return invalid_body_refusal(address=address) or body
    try:
        verification_start(
            phone=body.get("phone"), client_address=address, lang=translation.get_language() or "en"
        )
    except VerificationError as error:
        return _refused(error, address=address)
    return answer({"expires_in": settings.VERIFICATION_CODE_SECONDS}, status=202)


@lean
@json_endpoint
def verifications_confirm_api(request: HttpRequest) -> JsonResponse:
    address = client_address(request)
    body = parsed_body(request)
    if isinstance(body, JsonResponse):
        return invalid_body_refusal(address=address) or body
    try:
        verified = verification_confirm(
            phone=body.get("phone"), code=body.get("code"), client_address=address
        )
    except VerificationError as error:
        if error.code == "invalid_code":
            return answer({"error": "invalid_code", "attempts_left": error.tries_left}, status=400)
        return _refused(error, address=address)
    return answer(
        {"token": verified.token, "expires_at": verified.expires_at.isoformat()}, status=200
    )


def verified_phone(request: HttpRequest) -> str | None:
    """The phone the request's bearer token was issued to, or None without a valid token."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return phone_from_token(token.strip())
