"""Hypothesis throws arbitrary values at every form field and JSON field: never a 5xx."""

import json
from typing import Any

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
API_FIELDS = ("id_type", "id_number", "name", "phone", "email", "location", "date", "birth_date")


def _form_text() -> st.SearchStrategy[str]:
    # Form values travel as UTF-8; surrogates cannot be encoded by any browser.
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


@FUZZ
@given(
    body=st.fixed_dictionaries({}, optional={name: json_values for name in API_FIELDS}),
    key=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=300),
)
def test_the_booking_api_never_answers_5xx(client: Client, make_slot, body: dict[str, Any], key):
    make_slot()
    response = client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key} if key else {},
    )
    assert response.status_code < 500
    assert "error" in response.json() or response.status_code in (200, 201)


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes_to_the_api_never_answer_5xx(client: Client, raw: bytes):
    response = client.post("/api/bookings", raw, content_type="application/json")
    assert 400 <= response.status_code < 500


STEPS = {
    "/register/phone/": ("phone",),
    "/register/code/": ("code",),
    "/register/id/": ("id_type", "id_number"),
    "/register/details/": ("name", "email", "birth_day", "birth_month", "birth_year"),
    "/register/state/": ("state",),
    "/register/centre/": ("location",),
    "/register/date/": ("slot",),
    "/register/check/": (),
    "/appointment/": ("id_number", "reference"),
}


@FUZZ
@given(data=st.data())
def test_every_form_step_never_answers_5xx(client: Client, make_slot, walk, person, data):
    day = make_slot()
    walk(person, location="WTCKL", date=day.isoformat())
    for url, names in STEPS.items():
        values = {name: data.draw(_form_text(), label=f"{url}{name}") for name in names}
        response = client.post(url, values)
        assert response.status_code < 500, (url, values)


@FUZZ
@given(state=_form_text(), query=_form_text())
def test_the_listing_never_answers_5xx(client: Client, make_slot, state: str, query: str):
    make_slot()
    assert client.get("/api/availability", {"state": state, "q": query}).status_code == 200


@FUZZ
@given(data=st.data())
def test_managing_an_appointment_and_the_waiting_list_never_answer_5xx(
    client: Client, make_slot, walk, person, data
):
    import time

    from django.http import HttpResponse

    from appointments.session import (
        COOKIE,
        AppointmentSession,
        session_save,
    )
    from devstack.people import book_someone, mykad
    from registration.references import number_for

    day = make_slot(capacity=1)
    make_slot(location="UM", date=day)
    walk(person, location="WTCKL", date=day.isoformat(), until="centre")
    holder = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=holder)
    # The cookie a person has once they typed the code sent to the booking's phone.
    saved = HttpResponse()
    session_save(
        saved,
        AppointmentSession(
            number=number_for(reference) or 0,
            id_type="mykad",
            id_number=holder,
            verified_until=int(time.time()) + 600,
        ),
    )
    client.cookies[COOKIE.name] = saved.cookies[COOKIE.name].value
    for url, names in {
        "/appointment/code/": ("code", "send"),
        "/appointment/change/": ("slot",),
        "/register/waiting-list/": ("slot",),
        "/appointment/resend/": (),
        "/appointment/cancel/": (),
    }.items():
        values = {name: data.draw(_form_text(), label=f"{url}{name}") for name in names}
        response = client.post(url, values)
        assert response.status_code < 500, (url, values)
    token = data.draw(_form_text().filter(lambda t: "/" not in t and t.strip()), label="token")
    for method in (client.get, client.post):
        assert method(f"/waiting-list/{token}/").status_code < 500
