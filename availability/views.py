from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from availability.selectors import availability_listing


def availability_api(request: HttpRequest) -> JsonResponse:
    now = timezone.localtime()
    response = JsonResponse(availability_listing(today=now.date(), as_of=now))
    response["Cache-Control"] = "public, max-age=1, s-maxage=1"
    return response
