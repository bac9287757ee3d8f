"""A booking of two doses: its SMS, e-mail and calendar file name both, in the person's language;
a cancellation says both doses went; a booking of one dose (DOSE_INTERVAL_DAYS=0) reads as it
always did."""

import dataclasses
import datetime
import re
from pathlib import Path

from django.core import mail
from pytest_django.fixtures import Settings as SettingsWrapper

from confirmations import messages
from confirmations.services import confirmations_send
from devstack.people import booking_request
from devstack.sms import relay_and_send, sms_lines
from registration.calendar import calendar_response
from registration.references import number_for
from registration.services import BookingConfirmation, booking_cancel, booking_create
from tests.slots import SlotMaker
from vaksin.store import bookings


def book(i: int, day: datetime.date, **changes: str) -> BookingConfirmation:
    request = dataclasses.replace(booking_request(i, location="WTCKL", date=day), **changes)
    return booking_create(request=request)


def sent_text(reference: str, sms_file: Path) -> str:
    assert confirmations_send(references=[reference]).outcomes[reference] == "sent"
    return sms_lines(sms_file)[-1]["text"]


def spelled(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_the_booking_sms_names_both_doses_their_dates_and_windows(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(name="Axiata Arena", capacity=5)
    booked = book(1, day)
    second = datetime.date.fromisoformat(booked.second_date)
    assert second == day + datetime.timedelta(days=56)  # the automatic second-dose places

    text = sent_text(booked.reference, sms_file)

    assert f"Dose 1: {spelled(day)}, arrive {booked.arrival_window}." in text
    assert f"Dose 2: {spelled(second)}, arrive {booked.second_window}, same centre." in text
    assert text.count("Axiata Arena") == 1 and booked.reference in text


def test_a_person_who_booked_in_malay_is_told_both_doses_in_malay(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    day = make_slot(capacity=5)
    booked = book(2, day, lang="ms", email="aminah@example.com")

    text = sent_text(booked.reference, sms_file)

    assert "janji temu vaksinasi anda telah ditempah" in text
    assert "Dos 1: " in text and "Dos 2: " in text and "pusat sama" in text
    assert booked.second_window in text
    [message] = mail.outbox
    assert "Dos 1: " in message.body and "Dos 2: " in message.body
    assert f"Tiba antara: {booked.second_window}" in message.body
    assert "Dos kedua anda sudah ditempah" in message.body


def test_the_email_names_both_doses_and_says_the_second_is_booked_already(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    day = make_slot(capacity=5)
    booked = book(3, day, email="siti@example.com")
    second = datetime.date.fromisoformat(booked.second_date)

    sent_text(booked.reference, sms_file)

    [message] = mail.outbox
    assert f"Dose 1: {spelled(day)}\nArrive between: {booked.arrival_window}" in message.body
    assert f"Dose 2: {spelled(second)}\nArrive between: {booked.second_window}" in message.body
    assert "Your second dose is booked already" in message.body


def test_the_calendar_file_has_an_event_per_dose_each_with_its_own_uid(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(name="Axiata Arena", capacity=5)
    booked = book(4, day)
    second = datetime.date.fromisoformat(booked.second_date)

    text = calendar_response(
        reference=booked.reference,
        centre_name="Axiata Arena",
        date=booked.date,
        arrival_window=booked.arrival_window,
        second_date=booked.second_date,
        second_window=booked.second_window,
    ).content.decode()

    events = re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", text, flags=re.S)
    assert len(events) == 2 and text.count("BEGIN:VCALENDAR") == 1
    uids = [re.search(r"UID:(\S+)", event).group(1) for event in events]  # type: ignore[union-attr]
    assert uids == [f"{booked.reference}@vaksin", f"{booked.reference}-dose2@vaksin"]
    assert f"DTSTART:{day:%Y%m%d}T" in events[0] and f"DTSTART:{second:%Y%m%d}T" in events[1]
    assert "SUMMARY:Vaccination\\, dose 1" in events[0]
    assert "SUMMARY:Vaccination\\, dose 2" in events[1]
    assert all("LOCATION:Axiata Arena" in event for event in events)
    # The second event's window is the second dose's own (09:00-09:30 Malaysian time = 01:00Z).
    starts = booked.second_window.partition("-")[0].replace(":", "")
    hour = (int(starts[:2]) - 8) % 24
    assert f"DTSTART:{second:%Y%m%d}T{hour:02d}{starts[2:]}00Z" in events[1]


def test_a_cancellation_says_both_doses_are_cancelled(make_slot: SlotMaker, sms_file: Path) -> None:
    day = make_slot(name="Dewan Komuniti", capacity=5)
    booked = book(5, day)
    second = datetime.date.fromisoformat(booked.second_date)
    relay_and_send()

    assert booking_cancel(reference=booked.reference, by="staff:admin", reason="closed")
    assert relay_and_send() == ["sent"]

    text = sms_lines(sms_file)[-1]["text"]
    assert f"is cancelled, both doses: {spelled(day)} and {spelled(second)}." in text
    assert "Dewan Komuniti" in text


def test_one_dose_reads_as_it_always_did(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper
) -> None:
    settings.DOSE_INTERVAL_DAYS = None  # DOSE_INTERVAL_DAYS=0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    day = make_slot(name="Axiata Arena", capacity=5)
    booked = book(6, day, email="tan@example.com")
    assert booked.second_date == ""
    entry = bookings.read_entry(number_for(booked.reference) or 0) or {}
    assert "date2" not in entry

    text = sent_text(booked.reference, sms_file)

    assert text == messages.SMS["en"].format(
        id_ending=entry["id_number"][-4:],
        reference=booked.reference,
        centre="Axiata Arena",
        date=spelled(day),
        window=booked.arrival_window,
    )
    [message] = mail.outbox
    assert "Dose" not in message.body and f"Date: {spelled(day)}" in message.body
    ics = calendar_response(
        reference=booked.reference,
        centre_name="Axiata Arena",
        date=booked.date,
        arrival_window=booked.arrival_window,
    ).content.decode()
    assert ics.count("BEGIN:VEVENT") == 1 and "-dose2@" not in ics
    assert f"SUMMARY:Vaccination appointment {booked.reference}" in ics

    relay_and_send()
    assert booking_cancel(reference=booked.reference, by="staff:admin", reason="closed")
    relay_and_send()
    cancelled = sms_lines(sms_file)[-1]["text"]
    assert cancelled.startswith(
        f"Vaksin: your vaccination appointment at Axiata Arena on {spelled(day)} is cancelled."
    )


def test_every_two_dose_text_exists_in_every_language_and_uses_every_field() -> None:
    for kind, texts in messages.SMS_TWO_DOSES.items():
        assert set(texts) == set(messages.LANGUAGE_CODES), kind
        for lang, text in texts.items():
            assert "{date2}" in text and "{centre}" in text, (kind, lang)
            assert ("{window2}" in text) == (kind != "cancelled"), (kind, lang)
    for lang, body in messages.BODY_TWO_DOSES.items():
        assert "{date2}" in body and "{window2}" in body and "{reference}" in body, lang
