"""Who is asking: the client address that rate limits count against."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The socket address, or the right-most entry of TRUSTED_PROXY_HEADER when it is set.

    The right-most entry is the one the trusted proxy itself appended; anything to its left
    came from the client and may be forged.
    """
    header = settings.TRUSTED_PROXY_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [entry.strip() for entry in str(value).split(",") if entry.strip()]
        if entries:
            return entries[-1][:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]
