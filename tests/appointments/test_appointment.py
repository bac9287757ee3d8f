"""/appointment/: a person looks up their booking with their ID number and reference."""

import re

from django.test import Client

from devstack.people import book_someone, mykad
from registration.references import reference_for
from registration.services import booking_cancel


def test_the_right_id_number_and_reference_show_the_appointment(client: Client, make_slot):
    day = make_slot(name="World Trade Centre Kuala Lumpur")
    number = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=number)
    typed = f"{number[:6]}-{number[6:8]}-{number[8:]}"
    response = client.post("/appointment/", {"id_number": typed, "reference": reference.lower()})
    page = response.content.decode()
    assert response.status_code == 200
    assert reference in page
    assert "World Trade Centre Kuala Lumpur" in page
    assert "no-store" in response["Cache-Control"]


def test_unknown_and_mismatched_combinations_get_the_same_answer(client: Client, make_slot):
    day = make_slot()
    mine, theirs = mykad(), mykad()
    book_someone(location="WTCKL", date=day, id_number=mine)
    their_reference = book_someone(location="WTCKL", date=day, id_number=theirs)
    answers = [
        client.post("/appointment/", {"id_number": mine, "reference": their_reference}),
        client.post("/appointment/", {"id_number": mine, "reference": reference_for(999)}),
        client.post("/appointment/", {"id_number": mine, "reference": "not-a-reference"}),
        client.post("/appointment/", {"id_number": "A1234567", "reference": their_reference}),
    ]
    # The same page, apart from echoing what was typed (and the per-render CSRF token).
    pages = {
        (answer.status_code, re.sub(r'value="[^"]*"', "", answer.content.decode()))
        for answer in answers
    }
    assert len(pages) == 1
    status, page = pages.pop()
    assert status == 200
    assert "No appointment matches that ID number and booking reference" in page


def test_a_cancelled_booking_is_said_to_be_cancelled_not_unknown(client: Client, make_slot):
    day = make_slot()
    number = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=number)
    assert booking_cancel(reference=reference, by="staff:someone")
    page = client.post("/appointment/", {"id_number": number, "reference": reference})
    text = page.content.decode()
    assert "This appointment was cancelled" in text
    assert "No appointment matches" not in text
    assert "Send me a code" not in text


def test_a_cancelled_booking_of_someone_else_is_not_found(client: Client, make_slot):
    day = make_slot()
    reference = book_someone(location="WTCKL", date=day)
    assert booking_cancel(reference=reference, by="test")
    page = client.post("/appointment/", {"id_number": mykad(), "reference": reference})
    assert "No appointment matches" in page.content.decode()


def test_the_look_up_is_rate_limited_per_id_number(client: Client, settings, make_slot):
    settings.RATE_LIMIT_PER_ID = 3
    make_slot()
    statuses = [
        client.post(
            "/appointment/", {"id_number": "900101145555", "reference": f"x{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_the_look_up_is_rate_limited_per_address(client: Client, settings, make_slot):
    settings.RATE_LIMIT_PER_IP = 2
    make_slot()
    statuses = [
        client.post("/appointment/", {"id_number": mykad(), "reference": "x"}).status_code
        for _ in range(3)
    ]
    assert statuses[-1] == 429


def test_the_form_asks_for_what_is_missing_and_never_puts_the_id_in_the_url(client: Client):
    page = client.get("/appointment/")
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    empty = client.post("/appointment/", {}).content.decode()
    assert "Enter the MyKad or passport number you registered with" in empty
    assert "Enter your booking reference" in empty
