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


def _trusted_proxy(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The client's own address, whole (an IPv6 address not widened to its /64): for asking
    whether it lies in a network of ours, which may be narrower than a /64.

    The socket address, unless it is one of TRUSTED_PROXIES: then the TRUSTED_PROXY_HEADER
    entry TRUSTED_PROXY_HOPS places from the right, the one the outermost proxy of ours
    appended. Entries further left came from the client and may be forged; the header itself
    may be forged by anyone who is not one of our proxies, so it is read from those only.
    """
    peer = str(request.META.get("REMOTE_ADDR", ""))[:64]
    header = settings.TRUSTED_PROXY_HEADER
    if header and _trusted_proxy(peer):
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [entry.strip() for entry in str(value).split(",") if entry.strip()]
        if len(entries) >= settings.TRUSTED_PROXY_HOPS:
            return entries[-settings.TRUSTED_PROXY_HOPS][:64]
    return peer


def client_address(request: HttpRequest) -> str:
    """Who is asking, as the limits count them: client_ip by its address_group."""
    return address_group(client_ip(request))
