"""The wizard through Django's test client: every step, every refusal, post/redirect/get."""

import datetime

from django.test import Client

from registration.references import number_for


def test_a_person_books_through_every_step_and_sees_the_confirmation(
    client: Client, make_slot, walk, person
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    walk(person, location="WTCKL", date=day.isoformat())
    check = client.get("/register/check/")
    assert check.status_code == 200
    assert "Nur Aisyah binti Ahmad" in check.content.decode()
    booked = client.post("/register/check/")
    assert booked.status_code == 303
    assert booked["Location"] == "/register/confirmation/"
    page = client.get("/register/confirmation/").content.decode()
    assert "Appointment booked" in page
    assert "Centre WTCKL" in page
    reference = page.split('class="reference">')[1].split("<")[0]
    assert number_for(reference) == 1
