"""The address limits count against cannot be chosen by the client."""

import ipaddress
import json

from django.test import Client

from devstack.people import api_body


def _book(client: Client, day, *, peer: str, forwarded: str) -> int:
    """A booking without a verified phone: counted against the address, books nothing."""
    return client.post(
        "/api/bookings",
        json.dumps(api_body(day)),
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded},
        REMOTE_ADDR=peer,
    ).status_code


def test_a_forwarded_header_from_a_peer_that_is_not_our_proxy_is_ignored(
    client: Client, settings, make_slot
) -> None:
    settings.RATE_LIMIT_PER_IP = 20
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    day = make_slot()
    statuses = [
        _book(client, day, peer="198.51.100.9", forwarded=f"203.0.113.{n}") for n in range(30)
    ]
    assert 429 in statuses


def test_behind_two_proxies_each_client_has_a_limit_of_its_own(
    client: Client, settings, make_slot
) -> None:
    settings.RATE_LIMIT_PER_IP = 5
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    settings.TRUSTED_PROXY_HOPS = 2
    day = make_slot()
    # The CDN appends the client, nginx (our peer) appends the CDN's edge.
    statuses = [
        _book(client, day, peer="10.0.0.2", forwarded=f"forged, 203.0.113.{n}, 192.0.2.1")
        for n in range(30)
    ]
    one_client = [
        _book(client, day, peer="10.0.0.2", forwarded="203.0.113.200, 192.0.2.1") for _ in range(6)
    ]
    assert 429 not in statuses
    assert one_client[-1] == 429
