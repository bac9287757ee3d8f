"""/appointment/ with a booking of two doses: the look-up shows both, and with the code sent to
the booking's phone the person moves the second dose alone to another date of its range, never
outside it; the first dose stays. Beside it, what someone without the phone can do: nothing."""

import datetime
import re
from pathlib import Path

from django.test import Client

from availability.services import slot_set_capacity
from devstack.people import book_someone, mykad
from devstack.sms import relay_and_send, sms_lines
from registration.references import number_for, reference_for
from vaksin.invariants import store_problems
from vaksin.store import bookings, slots
from vaksin.store.entries import LogEntry

DAY = datetime.timedelta(days=1)


def _look_up(client: Client, id_number: str, reference: str) -> str:
    page = client.post("/appointment/", {"id_number": id_number, "reference": reference})
    assert page.status_code == 200
    return page.content.decode()


def _verify(client: Client, send_codes, id_number: str, reference: str) -> None:
    _look_up(client, id_number, reference)
    assert client.post("/appointment/code/", {"send": "1"})["Location"] == "/appointment/code/"
    typed = client.post("/appointment/code/", {"code": send_codes()[-1]})
    assert typed["Location"] == "/appointment/manage/"


def _entry(reference: str) -> LogEntry:
    return bookings.read_entry(number_for(reference) or 0) or {}


def _booked2() -> dict[str, int]:
    return {field: count for field, count in slots.read_slots().booked2.items() if count}


def test_the_look_up_shows_both_doses_and_that_the_second_is_booked_already(
    client: Client, make_slot
) -> None:
    day = make_slot(name="Axiata Arena")
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    entry = _entry(reference)
    second = day + 56 * DAY
    assert entry["date2"] == second.isoformat()

    page = _look_up(client, person, reference)

    assert "Dose 1" in page and "Dose 2, same centre" in page
    assert f"{second:%A} {second.day} {second:%B %Y}" in page
    assert entry["window2"] in page
    assert "It is booked already: you do not need to book it again." in page


def test_the_calendar_file_of_the_look_up_holds_both_doses(client: Client, make_slot) -> None:
    day = make_slot()
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _look_up(client, person, reference)

    text = client.get("/appointment/calendar.ics").content.decode()

    assert text.count("BEGIN:VEVENT") == 2
    assert f"UID:{reference}@vaksin" in text and f"UID:{reference}-dose2@vaksin" in text
    assert f"DTSTART:{day + 56 * DAY:%Y%m%d}T" in text


def test_a_person_moves_the_second_dose_within_its_range_and_keeps_the_first(
    client: Client, make_slot, send_codes, sms_file: Path
) -> None:
    day = make_slot(capacity=3)
    later = day + 60 * DAY
    slot_set_capacity(location="WTCKL", date=later, capacity=2, dose=2)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    first_window = _entry(reference)["window"]
    relay_and_send()
    _verify(client, send_codes, person, reference)

    manage = client.get("/appointment/manage/").content.decode()
    assert 'href="/appointment/second-dose/"' in manage
    page = client.get("/appointment/second-dose/").content.decode()
    assert f'value="{later}"' in page
    assert f'value="{day + 56 * DAY}"' not in page  # where it is now
    assert "2 places left" in page

    done = client.post("/appointment/second-dose/", {"second_date": later.isoformat()})

    assert done["Location"] == "/appointment/done/"
    number = bookings.read_person_number("mykad", person)
    assert number and reference_for(number) != reference
    moved = dict(bookings.read_entry(number) or {})
    assert (moved["date"], moved["window"]) == (day.isoformat(), first_window)
    assert moved["date2"] == later.isoformat()
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1}
    assert _booked2() == {f"WTCKL|{later}": 1}
    assert store_problems() == []
    shown = client.get("/appointment/done/").content.decode()
    assert reference_for(number) in shown and f"{later.day} {later:%B %Y}" in shown

    assert relay_and_send() == ["sent"]
    text = sms_lines(sms_file)[-1]["text"]
    assert "is changed" in text and reference_for(number) in text
    assert f"Dose 2: {later.day} {later:%B %Y}, arrive {moved['window2']}." in text


def test_the_second_dose_cannot_move_outside_its_range_nor_to_nothing(
    client: Client, make_slot, send_codes
) -> None:
    day = make_slot(capacity=3)
    too_soon, too_late = day + 30 * DAY, day + 85 * DAY
    for outside in (too_soon, too_late):
        slot_set_capacity(location="WTCKL", date=outside, capacity=5, dose=2)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    before = _entry(reference)
    _verify(client, send_codes, person, reference)

    page = client.get("/appointment/second-dose/").content.decode()
    assert f'value="{too_soon}"' not in page and f'value="{too_late}"' not in page

    for typed, status, says in (
        (too_soon.isoformat(), 404, "That centre or date is not offered"),
        (too_late.isoformat(), 404, "That centre or date is not offered"),
        ("", 400, "Select a date"),
        ("nonsense", 400, "Select a date"),
        ("2999-99-99", 400, "Select a date"),
    ):
        refused = client.post("/appointment/second-dose/", {"second_date": typed})
        assert refused.status_code == status, typed
        assert says in refused.content.decode(), typed
        assert 'href="#second_date-first"' in refused.content.decode(), typed

    assert bookings.read_person_number("mykad", person) == number_for(reference)
    assert _entry(reference) == before
    assert _booked2() == {f"WTCKL|{day + 56 * DAY}": 1}


def test_a_full_date_of_the_range_is_not_offered_and_a_move_to_it_changes_nothing(
    client: Client, make_slot, send_codes
) -> None:
    day = make_slot(capacity=3)
    full = day + 70 * DAY
    slot_set_capacity(location="WTCKL", date=full, capacity=0, dose=2)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _verify(client, send_codes, person, reference)

    assert f'value="{full}"' not in client.get("/appointment/second-dose/").content.decode()
    refused = client.post("/appointment/second-dose/", {"second_date": full.isoformat()})

    assert refused.status_code == 409
    assert "fully booked" in refused.content.decode()
    assert bookings.read_person_number("mykad", person) == number_for(reference)


def test_nobody_moves_a_second_dose_without_the_code(client: Client, make_slot) -> None:
    day = make_slot(capacity=3)
    slot_set_capacity(location="WTCKL", date=day + 60 * DAY, capacity=2, dose=2)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _look_up(client, person, reference)

    assert client.get("/appointment/second-dose/")["Location"] == "/appointment/code/"
    moved = client.post("/appointment/second-dose/", {"second_date": str(day + 60 * DAY)})
    assert moved["Location"] == "/appointment/code/"
    assert Client().get("/appointment/second-dose/")["Location"] == "/appointment/"
    assert _entry(reference)["date2"] == str(day + 56 * DAY)


def test_cancelling_says_both_doses_go(client: Client, make_slot, send_codes) -> None:
    day = make_slot(capacity=3)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _verify(client, send_codes, person, reference)

    asked = client.get("/appointment/cancel/").content.decode()
    assert "This cancels both doses" in asked and "Dose 2, same centre" in asked
    client.post("/appointment/cancel/")

    done = client.get("/appointment/done/").content.decode()
    assert re.search(rf"Booking {reference} is cancelled: both doses\.", done)
    assert _booked2() == {}


def test_a_booking_of_one_dose_offers_no_second_dose_page(
    client: Client, make_slot, send_codes, settings
) -> None:
    settings.DOSE_INTERVAL_DAYS = None  # DOSE_INTERVAL_DAYS=0
    day = make_slot(capacity=3)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    page = _look_up(client, person, reference)
    assert "Dose 2" not in page and "Dose 1" not in page and ">Date<" in page
    _verify(client, send_codes, person, reference)

    assert "second-dose" not in client.get("/appointment/manage/").content.decode()
    assert client.get("/appointment/second-dose/")["Location"] == "/appointment/manage/"
    assert "both doses" not in client.get("/appointment/cancel/").content.decode()
