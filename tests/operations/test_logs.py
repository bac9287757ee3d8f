"""Logs a machine can read, one JSON event per line with its request id and no personal data;
refusals that are normal business counted, not logged; errors to Sentry without personal data."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from devstack.people import api_body, bearer
from tests.slots import SlotMaker
from vaksin.error_reports import error_reports_start
from vaksin.logs import BusinessRefusalFilter, JsonFormatter, RequestIdFilter

ID_NUMBER, PHONE, EMAIL = "900101145555", "+60123456789", "aisyah@example.com"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the console handler of settings.LOGGING writes, for every logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(BusinessRefusalFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def events(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _failing_booking(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(**kwargs: object) -> None:
        raise RuntimeError(f"cannot book {ID_NUMBER} for {PHONE} <{EMAIL}>")

    monkeypatch.setattr("registration.api.booking_create", fail)


def test_business_refusals_are_not_logged(
    client: Client, make_slot: SlotMaker, log_lines: io.StringIO
) -> None:
    day = make_slot(capacity=0)
    body = api_body(day)
    headers = {"Authorization": bearer(body["phone"])}
    sold_out = client.post("/api/bookings", json.dumps(body), "application/json", headers=headers)
    nowhere = api_body(day, location="NOWHERE")
    unknown = client.post(
        "/api/bookings", json.dumps(nowhere), "application/json",
        headers={"Authorization": bearer(nowhere["phone"])},
    )  # fmt: skip
    missing = client.get("/no-such-page/")
    assert (sold_out.status_code, unknown.status_code, missing.status_code) == (409, 404, 404)
    assert events(log_lines) == []


def test_an_error_is_one_json_line_with_its_request_id_and_no_personal_data(
    client: Client, make_slot: SlotMaker, log_lines: io.StringIO, monkeypatch
) -> None:
    _failing_booking(monkeypatch)
    client.raise_request_exception = False
    body = api_body(make_slot(), id_number=ID_NUMBER, email=EMAIL)
    response = client.post(
        "/api/bookings", json.dumps(body), "application/json",
        headers={"Authorization": bearer(body["phone"]), "X-Request-ID": "proxy-id-123456"},
    )  # fmt: skip

    assert response.status_code == 500
    assert response["X-Request-ID"] == "proxy-id-123456"
    (event,) = events(log_lines)
    assert event["level"] == "ERROR"
    assert event["status"] == 500
    assert event["request_id"] == "proxy-id-123456"
    assert "RuntimeError" in event["error"]
    for secret in (ID_NUMBER, PHONE, EMAIL, "Siti"):
        assert secret not in log_lines.getvalue()


def test_every_answer_names_its_request(client: Client, db: None) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


# The attacker's side: a client cannot write into our logs through the request id.


@pytest.mark.parametrize("offered", ["short", "x" * 65, "bad id", "id\nforged line", "é" * 10])
def test_a_request_id_that_is_not_plain_is_replaced(client: Client, db: None, offered: str):
    response = client.get("/healthz", headers={"X-Request-ID": offered})
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


class Captured(Transport):
    """Keeps the events Sentry would send, and sends nothing."""

    events: list[dict] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        if (event := envelope.get_event()) is not None:
            Captured.events.append(dict(event))


@pytest.fixture
def sentry() -> Iterator[list[dict]]:
    Captured.events = []
    error_reports_start(dsn="https://key@sentry.invalid/1", environment="test", transport=Captured)
    yield Captured.events
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: off again


def test_an_error_goes_to_sentry_without_personal_data(
    client: Client, make_slot: SlotMaker, monkeypatch, sentry: list[dict]
) -> None:
    _failing_booking(monkeypatch)
    client.raise_request_exception = False
    body = api_body(make_slot(), id_number=ID_NUMBER, email=EMAIL, name="Siti Nurhaliza")
    client.post(
        "/api/bookings", json.dumps(body), "application/json",
        headers={"Authorization": bearer(body["phone"])}, QUERY_STRING=f"phone={PHONE}",
    )  # fmt: skip
    sentry_sdk.flush()

    assert sentry, "the error was not reported"
    sent = json.dumps(sentry)
    assert "RuntimeError" in sent
    for secret in (ID_NUMBER, PHONE, EMAIL, "Siti", body["phone"], "Bearer"):
        assert secret not in sent
    frames = [
        f for e in sentry for x in e["exception"]["values"] for f in x["stacktrace"]["frames"]
    ]
    assert frames and not any("vars" in frame for frame in frames)
