"""What every request leaves for operators: an id (in each log line and the X-Request-ID
header) and a count of its route, status and duration (vaksin/tally.py). The lean door
(vaksin/lean.py) does the same for the paths it serves."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from vaksin.logs import request_id_begin
from vaksin.tally import tally_request


def observed(route: str, response: HttpResponseBase, *, started: float, request_id: str) -> None:
    """Counts an answered request and names it in the response."""
    tally_request(route, response.status_code, time.perf_counter() - started)
    response["X-Request-ID"] = request_id


class ObservedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = request_id_begin(request.META.get("HTTP_X_REQUEST_ID", ""))
        response = self.get_response(request)
        # The URL pattern, not the path: one count per page, however many references exist.
        match = request.resolver_match
        observed(
            f"/{match.route}" if match else "unmatched",
            response,
            started=started,
            request_id=request_id,
        )
        return response
