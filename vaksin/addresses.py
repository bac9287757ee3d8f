"""Who is asking: the client address that rate limits count against."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def address_group(address: str) -> str:
    """The address limits count against: an IPv6 address by its /64, which one subscriber
    usually holds whole (so rotating through it buys nothing); IPv4 as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


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
            return address_group(entries[-1][:64])
    return address_group(str(request.META.get("REMOTE_ADDR", ""))[:64])
