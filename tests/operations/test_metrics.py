"""GET /metrics: what operators scrape. The totals are what Redis stored, exactly, whichever
way a booking came in; and nobody reads them without the token."""

import datetime
import json

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from devstack.people import api_body, bearer, booking_request, new_phone
from tests.operations.metrics_text import TOKEN, sample, scrape
from tests.slots import SlotMaker
from vaksin.store import bookings, keys
from vaksin.store.bookings import BookingArgs
from vaksin.tally import TALLY


@pytest.fixture(autouse=True)
def metrics_token(settings: SettingsWrapper) -> None:
    settings.METRICS_TOKEN = TOKEN


def _book(client: Client, body: dict, *, phone: str | None = None, **headers: str) -> int:
    headers.setdefault("Authorization", bearer(phone or body["phone"]))
    response = client.post(
        "/api/bookings", json.dumps(body), content_type="application/json", headers=headers
    )
    return response.status_code


def test_metrics_count_exactly_the_outcomes_redis_stored(
    client: Client, make_slot: SlotMaker, settings: SettingsWrapper, redis_client
) -> None:
    settings.PHONE_BOOKING_LIMIT = 2
    settings.RATE_LIMIT_PER_ID = 3
    day = make_slot(capacity=5)
    full = make_slot(location="UM", capacity=1, state="MY-10")
    first = api_body(day)
    statuses = [
        _book(client, first),  # booked
        _book(client, first),  # repeat
        _book(client, api_body(day, id_number=first["id_number"])),  # already registered
        _book(client, api_body(full, location="UM")),  # booked: the last place
        _book(client, api_body(full, location="UM")),  # sold out
        _book(client, api_body(day, date=(day + datetime.timedelta(days=9)).isoformat())),
    ]
    family = new_phone()
    statuses += [_book(client, api_body(day, phone=family)) for _ in range(3)]  # 2 + limit
    # The same person from one phone, over and over: the per-person limit.
    pest = api_body(day, location="NOWHERE")
    statuses += [_book(client, pest) for _ in range(5)]
    assert statuses == [201, 200, 409, 201, 409, 404, 201, 201, 409, 404, 404, 404, 429, 429]
    # And through the booking script directly, as the wizard and the bench call it.
    direct = bookings.book(BookingArgs(**vars(booking_request(7, location="WTCKL", date=day))))
    assert direct.outcome == "booked"

    samples = scrape(client)

    stored = {
        name.split(":", 1)[1]: int(value)
        for name, value in redis_client.hgetall(keys.METRICS).items()
        if name.startswith("booking:")
    }
    assert stored == {
        "booked": 5, "repeat": 1, "already_registered": 1, "sold_out": 1, "unknown_slot": 4,
        "phone_limit": 1, "rate_limited": 2,
    }  # fmt: skip
    for outcome, count in stored.items():
        assert sample(samples, "vaksin_bookings_total", outcome=outcome) == count
    assert sample(samples, "vaksin_bookings_total", outcome="idempotency_conflict") == 0
    # Every booking the script wrote, and no more, is counted as booked.
    assert stored["booked"] == bookings.read_log_length()


def test_places_left_are_counted_by_state(client: Client, make_slot: SlotMaker) -> None:
    day = make_slot(capacity=5)
    make_slot(location="UM", capacity=7, state="MY-10")
    _book(client, api_body(day))

    samples = scrape(client)

    assert sample(samples, "vaksin_places_left", state="MY-14") == 4
    assert sample(samples, "vaksin_places_left", state="MY-10") == 7
    assert sample(samples, "vaksin_places_capacity", state="MY-14") == 5


def test_requests_are_counted_and_timed_by_route_and_status(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=5)
    route, buckets = "/api/bookings", "vaksin_http_request_duration_seconds_bucket"
    # Each process keeps one tally for its life: this test reads what it adds to it.
    TALLY.flush()
    before = scrape(client)
    assert _book(client, api_body(day)) == 201
    assert _book(client, api_body(day, location="NOWHERE")) == 404
    TALLY.flush()

    after = scrape(client)

    def added(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert added("vaksin_http_requests_total", route=route, status="201") == 1
    assert added("vaksin_http_requests_total", route=route, status="404") == 1
    assert added("vaksin_http_request_duration_seconds_count", route=route) == 2
    assert added(buckets, route=route, le="+Inf") == 2
    assert sample(after, "vaksin_http_request_duration_seconds_sum", route=route) > 0


def test_redis_and_the_database_are_reported_up(client: Client, db: None) -> None:
    samples = scrape(client)
    assert sample(samples, "vaksin_redis_up") == 1
    assert sample(samples, "vaksin_database_up") == 1
    assert sample(samples, "vaksin_registration_open") == 1
    # django-rq's collector is there too.
    assert any(name == "rq_jobs" for name, _ in samples)


def test_redis_away_is_reported_not_an_error(
    client: Client, db: None, settings: SettingsWrapper
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    samples = scrape(client)
    assert sample(samples, "vaksin_redis_up") == 0
    assert sample(samples, "vaksin_database_up") == 1
    assert not any(name == "vaksin_bookings_total" for name, _ in samples)


# The attacker's side: the figures are for operators only.


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
)
def test_metrics_refuse_a_missing_or_wrong_token(
    client: Client, db: None, authorization: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 403
    assert b"vaksin_" not in response.content


def test_metrics_refuse_everyone_when_no_token_is_configured(
    client: Client, db: None, settings: SettingsWrapper
) -> None:
    settings.METRICS_TOKEN = ""
    for authorization in ("Bearer ", "Bearer", "Bearer  "):
        assert client.get("/metrics", headers={"Authorization": authorization}).status_code == 403


def test_the_confirmation_and_export_lags_are_measured_until_they_catch_up(
    client: Client, make_slot: SlotMaker, sms_file
) -> None:
    import django_rq

    from confirmations.relay import relay_run
    from registration.services import booking_create
    from warehouse.export import bookings_export

    day = make_slot(capacity=5)
    booking_create(request=booking_request(1, location="WTCKL", date=day))

    waiting = scrape(client)
    assert sample(waiting, "vaksin_confirmation_lag_seconds") >= 0
    assert sample(waiting, "vaksin_outbox_unread_entries") == 1
    assert sample(waiting, "vaksin_export_pending_entries") == 1

    loops = iter(range(6))
    relay_run(consumer="test", block_ms=10, should_stop=lambda: next(loops, None) is None)
    assert scrape(client)[("vaksin_outbox_unread_entries", ())] == 0
    django_rq.get_worker("confirmations").work(burst=True)
    bookings_export()

    caught_up = scrape(client)
    assert sample(caught_up, "vaksin_confirmation_lag_seconds") == 0
    assert sample(caught_up, "vaksin_confirmations_sent_total", channel="sms") == 1
    assert sample(caught_up, "vaksin_confirmation_delay_seconds_count") == 1
    assert sample(caught_up, "vaksin_export_pending_entries") == 0
    assert sample(caught_up, "vaksin_export_lag_seconds") == 0


def test_changes_and_the_waiting_list_are_counted(client, settings, make_slot) -> None:
    from django.utils import timezone

    from appointments.services import appointment_cancel, appointment_current
    from devstack.people import book_someone, mykad, new_phone
    from registration.references import number_for
    from registration.services import booking_request_clean
    from vaksin.store import bookings
    from waitlist.services import waitlist_join

    settings.METRICS_TOKEN = "t0ken"
    day = make_slot(capacity=1)
    reference = book_someone(location="WTCKL", date=day)
    waitlist_join(
        request=booking_request_clean(
            id_type="mykad", id_number=mykad(), name="Lim", phone=new_phone(), email="",
            location="WTCKL", date=day.isoformat(), today=timezone.localdate(),
        ),
        verified_until=int(timezone.now().timestamp()) + 3600,  # a verified phone
    )  # fmt: skip
    entry = bookings.read_entry(number_for(reference) or 0) or {}
    held = appointment_current(
        number=number_for(reference) or 0, id_type="mykad", id_number=entry["id_number"]
    )
    assert held and appointment_cancel(appointment=held)

    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken").content.decode()

    assert 'vaksin_appointment_changes_total{outcome="cancelled"} 1.0' in text
    assert 'vaksin_waitlist_total{event="join_waiting"} 1.0' in text
    assert 'vaksin_waitlist_total{event="offered"} 1.0' in text
