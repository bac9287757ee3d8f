"""A lean door for the hottest JSON endpoints: Django's request and response, without the
middleware and signals every other page needs.

At noon the booking POST is most of the origin's work, and Django's handler around it
(middleware, URL resolution, the request signals that tidy database connections) cost about
as much CPU as the booking itself, measured with bench/profile.py. A view marked @lean (and
routed by the one URL table, vaksin/urls.py) takes no cookies, no session, no CSRF token and
no database connection, so none of that is needed: the handler checks the Host header, runs
the view, adds the security headers SecurityMiddleware would have added, and turns any
exception into the JSON error Django's handler500 gives. Every other path goes through
Django's full stack as before.
"""

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, get_resolver

from vaksin.logs import request_id_begin
from vaksin.observed import observed

logger = logging.getLogger("django.request")

LeanView = Callable[[HttpRequest], HttpResponseBase]


def lean(view: LeanView) -> LeanView:
    """Marks a view to be served through the lean door, at the path the URL table gives it."""
    view.lean = True  # type: ignore[attr-defined]
    return view


def lean_routes(
    patterns: Iterable[URLPattern | URLResolver] | None = None, prefix: str = "/"
) -> dict[str, LeanView]:
    """Every view of the URL table marked @lean, by its exact path (no converters: the door
    matches paths as they are)."""
    routes: dict[str, LeanView] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes |= lean_routes(pattern.url_patterns, route)
        elif getattr(pattern.callback, "lean", False):
            if "<" in route:
                raise ImproperlyConfigured(f"a lean view needs a plain path, not {route}")
            routes[route] = pattern.callback
    return routes


class LeanApplication:
    """The WSGI application: the @lean views (exact paths) without the middleware, everything
    else through Django's WSGIHandler."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.routes: dict[str, LeanView] = lean_routes()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        view = self.routes.get(environ.get("PATH_INFO", ""))
        if view is None:
            return self.django(environ, start_response)
        started = time.perf_counter()
        request_id = request_id_begin(environ.get("HTTP_X_REQUEST_ID", ""))
        request = WSGIRequest(environ)
        response = lean_response(view, request)
        observed(request.path_info, response, started=started, request_id=request_id)
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        # The body as bytes, not the response object: closing that would send request_finished,
        # whose receivers (database connections) these views never need.
        return [getattr(response, "content", b"")]


def lean_response(view: LeanView, request: HttpRequest) -> HttpResponseBase:
    try:
        request.get_host()
        response = view(request)
    except DisallowedHost:
        response = JsonResponse({"error": "bad_request"}, status=400)
    except Exception:
        logger.exception("Internal Server Error: %s", request.path, extra={"status_code": 500})
        response = JsonResponse({"error": "unavailable"}, status=500)
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if settings.SECURE_REFERRER_POLICY:
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
    # JSON is never a page: nothing may run in it, nothing may frame it.
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
    )
    return response


def lean_application() -> LeanApplication:
    import django

    django.setup(set_prefix=False)
    return LeanApplication()
