"""GET /metrics, for Prometheus: a bearer token or nothing."""

from secrets import compare_digest

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from operations.metrics import metrics_text


def metrics_authorized(request: HttpRequest) -> bool:
    """Whether the request carries `Authorization: Bearer <METRICS_TOKEN>`; never when no
    token is configured (an empty token must not open the door)."""
    token = settings.METRICS_TOKEN
    scheme, _, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return bool(
        token
        and scheme.lower() == "bearer"
        and compare_digest(offered.strip().encode(), token.encode())
    )


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_authorized(request):
        return HttpResponse("Forbidden: a bearer token is required.\n", status=403,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    response = HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
