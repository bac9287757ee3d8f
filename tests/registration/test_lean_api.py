"""The booking API as gunicorn serves it: through vaksin.lean, without Django's middleware.

The contract tests (test_api.py) run through Django's test client and full stack; these check
that the lean door gives the same answers and keeps what the skipped middleware gave."""

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.test import Client

from availability.selectors import LISTING_CACHE_CONTROL
from devstack.people import api_body, bearer

pytestmark = pytest.mark.e2e


def _request(base: str, *, body: bytes | None, method: str = "POST", **headers: str) -> Any:
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{base}/api/bookings",
        data=body,
        method=method,
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, answer.headers, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, json.loads(refused.read())


def test_gunicorn_books_through_the_lean_door_with_the_same_answers(
    web_server, make_slot, client: Client
) -> None:
    day = make_slot(capacity=5)
    base = web_server()
    body = api_body(day)

    verified = bearer(body["phone"])
    status, headers, answer = _request(base, body=json.dumps(body).encode(), Authorization=verified)
    assert status == 201
    assert answer["status"] == "confirmed"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    # The same booking again, through Django's full stack, is the same booking.
    again = client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": verified},
    )
    assert (again.status_code, again.json()) == (200, answer)


def test_the_lean_door_speaks_the_language_the_client_asks_for(web_server, make_slot) -> None:
    day = make_slot()
    base = web_server()
    body = api_body(day, name="")
    bad, verified = json.dumps(body).encode(), bearer(body["phone"])

    _, _, malay = _request(base, body=bad, Authorization=verified, **{"Accept-Language": "ms"})
    _, _, english = _request(base, body=bad, Authorization=verified, **{"Accept-Language": "en"})

    assert malay["fields"]["name"] == ["Masukkan nama penuh anda"]
    assert english["fields"]["name"] == ["Enter your full name"]


def test_the_lean_door_refuses_an_unknown_host_and_a_get(web_server, make_slot) -> None:
    day = make_slot()
    base = web_server()

    status, _, answer = _request(base, body=json.dumps(api_body(day)).encode(), Host="evil.example")
    assert (status, answer) == (400, {"error": "bad_request"})
    status, headers, answer = _request(base, body=None, method="GET")
    assert (status, answer, headers["Allow"]) == (405, {"error": "method_not_allowed"}, "POST")


def test_the_listing_varies_by_encoding_only_through_the_lean_door(web_server, make_slot) -> None:
    make_slot()
    base = web_server()
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{base}/api/availability", headers={"Accept-Language": "ms", "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
        assert answer.headers["Vary"] == "Accept-Encoding"
        assert answer.headers["Cache-Control"] == LISTING_CACHE_CONTROL


def test_the_lean_door_takes_its_routes_from_the_one_url_table() -> None:
    from django.urls import resolve

    from vaksin.lean import lean_routes

    routes = lean_routes()
    assert sorted(routes) == [
        "/api/availability", "/api/bookings", "/api/queue", "/api/verifications",
        "/api/verifications/confirm",
    ]  # fmt: skip
    # Each path is the one Django would route it to: there is no second table to drift.
    assert all(resolve(path).func is view for path, view in routes.items())
