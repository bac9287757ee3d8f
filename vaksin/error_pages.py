"""The site's error pages: calm, in the person's language, and JSON for API clients."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader


def _error_page(request: HttpRequest, status: int, code: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": code}, status=status)
    return render(request, f"{status}.html", status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "bad_request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "forbidden")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "not_found")


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "unavailable"}, status=500)
    # No context processors: the page must render even when whatever broke is still broken.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
