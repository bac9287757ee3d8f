"""/appointment/: with a code sent to the booking's own phone, a person cancels their booking,
moves it to another date or centre, or has its SMS sent again; each change is confirmed by SMS.
Each person's test has an attacker's beside it (docs/api.md, invariants: nobody acts in
someone else's name)."""

from pathlib import Path

import django_rq
from django.test import Client

from devstack.people import book_someone, mykad
from devstack.sms import relay_and_send, sms_lines
from registration.references import number_for, reference_for
from registration.services import booking_cancel
from vaksin.invariants import store_problems
from vaksin.store import bookings, slots


def _look_up(client: Client, id_number: str, reference: str) -> str:
    page = client.post("/appointment/", {"id_number": id_number, "reference": reference})
    assert page.status_code == 200
    return page.content.decode()


def _verify(client: Client, send_codes, id_number: str, reference: str) -> None:
    """Looks the booking up and types the code sent to its phone."""
    _look_up(client, id_number, reference)
    assert client.post("/appointment/code/", {"send": "1"})["Location"] == "/appointment/code/"
    code = send_codes()[-1]
    typed = client.post("/appointment/code/", {"code": code})
    assert typed["Location"] == "/appointment/manage/"


def _phone_of(reference: str) -> str:
    return (bookings.read_entry(number_for(reference) or 0) or {})["phone"]


def test_the_code_goes_to_the_phone_the_booking_was_made_from(
    client: Client, make_slot, send_codes, sms_file: Path
) -> None:
    day = make_slot()
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    page = _look_up(client, person, reference)
    phone = _phone_of(reference)
    assert f"ending in {phone[-2:]}" in page
    assert phone not in page

    client.post("/appointment/code/", {"send": "1"})
    send_codes()

    [line] = sms_lines(sms_file)
    assert line["to"] == phone


def test_nothing_can_be_changed_without_the_code(client: Client, make_slot, send_codes) -> None:
    day = make_slot(capacity=5)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _look_up(client, person, reference)

    for path in ("/appointment/manage/", "/appointment/cancel/", "/appointment/change/"):
        assert client.get(path)["Location"] == "/appointment/code/"
        assert client.post(path, {"slot": "x"})["Location"] == "/appointment/code/"
    assert client.post("/appointment/resend/")["Location"] == "/appointment/code/"
    client.post("/appointment/code/", {"send": "1"})
    [code] = send_codes()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert client.post("/appointment/code/", {"code": wrong}).status_code == 200
    assert client.get("/appointment/manage/")["Location"] == "/appointment/code/"
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1}


def test_someone_who_knows_the_id_number_and_reference_cannot_act_without_the_phone(
    make_slot, send_codes, sms_file: Path
) -> None:
    """An attacker with the ID number and the reference gets the code sent to the victim's
    phone, not theirs, and cannot choose where it goes."""
    day = make_slot()
    victim = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=victim)
    attacker = Client()
    _look_up(attacker, victim, reference)
    attacker.post("/appointment/code/", {"send": "1", "phone": "+60199999999"})
    send_codes()
    assert {line["to"] for line in sms_lines(sms_file)} == {_phone_of(reference)}
    # Guessing: five tries per code, then nothing.
    statuses = [
        attacker.post("/appointment/code/", {"code": f"{n:06d}"}).status_code for n in range(7)
    ]
    assert statuses[-1] == 429
    assert attacker.get("/appointment/manage/")["Location"] == "/appointment/code/"


def test_a_forged_cookie_reaches_nothing(client: Client, make_slot) -> None:
    day = make_slot()
    book_someone(location="WTCKL", date=day)
    client.cookies["vaksin_appointment"] = "gAAAAAforged"
    assert client.get("/appointment/manage/")["Location"] == "/appointment/"
    assert client.post("/appointment/cancel/")["Location"] == "/appointment/"


def test_a_person_cancels_and_the_place_returns_and_an_sms_says_so(
    client: Client, make_slot, send_codes, sms_file: Path
) -> None:
    day = make_slot(capacity=1, name="Dewan Komuniti")
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    relay_and_send()
    _verify(client, send_codes, person, reference)

    assert "Are you sure" in client.get("/appointment/cancel/").content.decode()
    done = client.post("/appointment/cancel/")
    assert done["Location"] == "/appointment/done/"
    assert "Appointment cancelled" in client.get("/appointment/done/").content.decode()

    assert slots.read_booked_counts() == {f"WTCKL|{day}": 0}
    assert store_problems() == []
    assert relay_and_send() == ["sent"]
    last = sms_lines(sms_file)[-1]
    assert last["to"] == _phone_of(reference)
    assert "is cancelled" in last["text"] and "Dewan Komuniti" in last["text"]
    assert "This appointment was cancelled" in _look_up(Client(), person, reference)
    # Cancelling again does nothing more.
    assert client.post("/appointment/cancel/")["Location"] == "/appointment/"


def test_a_person_moves_to_another_date_in_one_step_and_gets_a_new_reference(
    client: Client, make_slot, send_codes, sms_file: Path, tomorrow
) -> None:
    import datetime

    day = make_slot(capacity=3)
    later = make_slot(capacity=1, date=tomorrow + datetime.timedelta(days=2))
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    relay_and_send()
    _verify(client, send_codes, person, reference)

    page = client.get("/appointment/change/").content.decode()
    assert f'value="WTCKL|{later}"' in page
    assert f'value="WTCKL|{day}"' not in page
    done = client.post("/appointment/change/", {"slot": f"WTCKL|{later}"})
    assert done["Location"] == "/appointment/done/"
    new_reference = bookings.read_person_number("mykad", person)
    assert new_reference and reference_for(new_reference) != reference
    assert reference_for(new_reference) in client.get("/appointment/done/").content.decode()

    assert slots.read_booked_counts() == {f"WTCKL|{day}": 0, f"WTCKL|{later}": 1}
    assert store_problems() == []
    assert relay_and_send() == ["sent"]  # the new booking's SMS; the old one's end says nothing
    last = sms_lines(sms_file)[-1]
    assert "is changed" in last["text"] and reference_for(new_reference) in last["text"]
    assert "This appointment was changed" in _look_up(Client(), person, reference)


def test_a_move_to_a_full_date_changes_nothing(
    client: Client, make_slot, send_codes, tomorrow
) -> None:
    import datetime

    day = make_slot(capacity=3)
    later = make_slot(capacity=1, date=tomorrow + datetime.timedelta(days=2))
    book_someone(location="WTCKL", date=later)
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _verify(client, send_codes, person, reference)

    refused = client.post("/appointment/change/", {"slot": f"WTCKL|{later}"})
    assert refused.status_code == 409
    assert "fully booked" in refused.content.decode()
    for typed in ("", "nonsense", f"WTCKL|{day}", "NOPE|2999-01-01"):
        answer = client.post("/appointment/change/", {"slot": typed})
        assert answer.status_code in (400, 404, 409), typed
    assert bookings.read_person_number("mykad", person) == number_for(reference)
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1, f"WTCKL|{later}": 1}


def test_the_sms_is_sent_again_on_request_and_not_without_limit(
    client: Client, make_slot, send_codes, sms_file: Path
) -> None:
    day = make_slot()
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _verify(client, send_codes, person, reference)
    before = len(sms_lines(sms_file))

    answers = [client.post("/appointment/resend/") for _ in range(4)]
    assert all(answer["Location"] == "/appointment/manage/" for answer in answers)
    django_rq.get_worker("confirmations").work(burst=True)

    sent = sms_lines(sms_file)[before:]
    assert len(sent) == 2  # RESENDS_PER_MINUTE
    assert all(reference in line["text"] and line["to"] == _phone_of(reference) for line in sent)
    assert len({line["id"] for line in sent}) == 2


def test_staff_cancelling_sends_the_person_an_sms(make_slot, sms_file: Path) -> None:
    day = make_slot()
    reference = book_someone(location="WTCKL", date=day)
    relay_and_send()
    assert booking_cancel(reference=reference, by="staff:admin", reason="centre closed")

    assert relay_and_send() == ["sent"]
    assert relay_and_send() == []
    last = sms_lines(sms_file)[-1]
    assert last["to"] == _phone_of(reference) and "is cancelled" in last["text"]


def test_the_appointment_comes_as_a_calendar_file(client: Client, make_slot) -> None:
    day = make_slot(name="Stadium Bukit Jalil")
    person = mykad()
    reference = book_someone(location="WTCKL", date=day, id_number=person)
    _look_up(client, person, reference)
    ics = client.get("/appointment/calendar.ics")
    text = ics.content.decode()
    assert ics["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in text and f"UID:{reference}@vaksin" in text
    assert f"DTSTART:{day:%Y%m%d}T" in text and "LOCATION:Stadium Bukit Jalil" in text
    assert Client().get("/appointment/calendar.ics")["Location"] == "/appointment/"
