"""What every JSON endpoint shares: answers that are never cached, a body parsed without ever
raising, errors with a message per field in the caller's language.

The endpoints are served without middleware (vaksin/lean.py), so the language is taken from
the request here rather than by LocaleMiddleware.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from vaksin.errors import STATUS, BookingError, message

JsonView = Callable[[HttpRequest], JsonResponse]


def json_endpoint(view: JsonView) -> JsonView:
    """POST only, no CSRF (no cookies are taken), in the language the request asks for."""

    @wraps(view)
    @csrf_exempt
    def endpoint(request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            response = answer({"error": "method_not_allowed"}, status=405)
            response["Allow"] = "POST"
            return response
        with translation.override(translation.get_language_from_request(request)):
            return view(request)

    return endpoint


def answer(body: dict[str, Any], *, status: int, retry_after: int = 0) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def invalid(fields: dict[str, list[str]]) -> JsonResponse:
    return answer(
        {
            "error": "invalid",
            "fields": {name: [message(code) for code in codes] for name, codes in fields.items()},
        },
        status=400,
    )


def refused(error: BookingError, **extra: Any) -> JsonResponse:
    """A refusal as docs/api.md's tables give it: its code, its status, Retry-After when it has
    one."""
    if error.code == "invalid":
        return invalid(error.fields)
    return answer(
        {"error": error.code, **extra},
        status=STATUS.get(error.code, 400),
        retry_after=error.retry_after,
    )


def parsed_body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    """The JSON object posted, or the answer that refuses it."""
    try:
        raw = request.body
    except RequestDataTooBig:
        return answer({"error": "too_large"}, status=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, or nesting deep enough to blow up
        return invalid({"body": ["body_json"]})
    if not isinstance(body, dict):
        return invalid({"body": ["body_json"]})
    return body
