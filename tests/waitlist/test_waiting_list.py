"""The waiting list through the site: a full date offers it, a freed place is offered by SMS
with a link, and the link books it."""

import re
from pathlib import Path

from django.test import Client

from devstack.people import book_someone
from devstack.sms import relay_and_send, sms_lines
from registration.services import booking_cancel
from vaksin.invariants import store_problems
from vaksin.store import bookings, slots


def _join(client: Client, walk, person, day) -> str:
    walk(person, location="WTCKL", date=day.isoformat(), until="centre")
    page = client.get("/register/date/").content.decode()
    assert "Fully booked" in page
    assert f'name="slot" value="WTCKL|{day}"' in page
    joined = client.post("/register/waiting-list/", {"slot": f"WTCKL|{day}"})
    assert joined.status_code == 200
    return joined.content.decode()


def test_a_person_waits_for_a_full_date_and_books_the_place_an_sms_offers(
    client: Client, make_slot, walk, person, sms_file: Path, settings
) -> None:
    settings.SITE_URL = "https://vaksin.example"
    day = make_slot(capacity=1, name="Dewan Bandaran")
    reference = book_someone(location="WTCKL", date=day)
    relay_and_send()
    page = _join(client, walk, person, day)
    assert "You are on the waiting list" in page and "0 people are ahead of you" in page

    assert booking_cancel(reference=reference, by="staff:admin")
    assert sorted(relay_and_send()) == ["sent", "sent"]  # the cancellation, and the offer
    offer = sms_lines(sms_file)[-1]
    assert offer["to"] == "+60123456789"
    assert "a place is free at Dewan Bandaran" in offer["text"]
    link = re.search(r"https://vaksin\.example(/o/[a-z2-9]{10})$", offer["text"])
    assert link, offer["text"]

    shown = client.get(link.group(1))
    assert shown.status_code == 200 and "A place is held for you" in shown.content.decode()
    booked = client.post(link.group(1))
    assert booked.status_code == 200 and "Appointment booked" in booked.content.decode()
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1}
    assert bookings.read_person_number("mykad", person["id_number"]) is not None
    again = client.post(link.group(1))
    assert again.status_code == 410
    assert store_problems() == []


def test_a_forged_or_damaged_offer_link_is_a_clear_page_not_an_error(client: Client) -> None:
    for code in ("nonsense", "abcdefghjk", "ABCDEFGHJK", "x" * 500, "%00" * 10):
        answer = client.get(f"/o/{code}")
        assert answer.status_code == 410
        assert "This place is no longer held for you" in answer.content.decode()


def test_joining_the_waiting_list_needs_the_wizard_answered(client: Client, make_slot) -> None:
    day = make_slot(capacity=1)
    answer = client.post("/register/waiting-list/", {"slot": f"WTCKL|{day}"})
    assert answer.status_code == 303
    assert answer["Location"] == "/register/phone/"
