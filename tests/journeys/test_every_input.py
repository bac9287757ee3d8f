"""Every Malaysian, every input: people drawn from the whole accepted space (four languages,
names in every script up to the longest allowed, the longest valid e-mail, passports, every
state) book through the real API and the real wizard, then are confirmed, moved, cancelled,
exported, verified and purged. Nothing may be lost, set aside or doubled on the way.
"""

import datetime
import re
from collections import Counter
from io import StringIO
from pathlib import Path

from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from appointments.services import appointment_cancel, appointment_current, appointment_move
from availability.selectors import LISTING
from availability.states import STATES
from devstack.sms import relay_and_send, sms_lines
from registration.references import number_for
from tests.codes import resend_allowed, send_waiting_codes
from tests.population import Person, people
from tests.slots import slot_seed
from vaksin import store
from vaksin.store import bookings
from vaksin.store.purged import PERSONAL_FIELDS
from vaksin.switches import switches_forget
from vaksin.validation import clean_name, clean_phone, compact_id_number
from warehouse.export import bookings_verify
from warehouse.models import Booking, ExportWatermark, SetAsideBooking
from warehouse.purge import personal_data_purge

# The longest real centre names of 2021, and one for every other state.
CENTRE_NAMES = {
    "MY-14": "Dewan 1, Bangunan Peperiksaan, Universiti Malaya (UM)",
    "MY-01": "Persada Johor International Convention Center (PJICC)",
    "MY-07": "Spice Arena Convention Centre, Bayan Baru (SPICE)",
    "MY-10": "Dewan Gemilang, Universiti Kebangsaan Malaysia (UKM)",
    "MY-13": "Institut Kemahiran Belia Negara Miri (IKBNM)",
}
FIRST_DAY = timezone.localdate() + datetime.timedelta(days=1)
SECOND_DAY = FIRST_DAY + datetime.timedelta(days=1)
CODE = re.compile(r"\b(\d{6})\b")


def centre_of(state: str) -> str:
    return f"C{state[3:]}"


def world_reset() -> None:
    """A fresh Redis and warehouse, with a centre in every state open on two days."""
    store.client().flushdb()
    switches_forget()
    LISTING.clear()
    Booking.objects.all().delete()
    ExportWatermark.objects.all().delete()
    for state in STATES:
        name = CENTRE_NAMES.get(state, f"Dewan Serbaguna Majlis Perbandaran {STATES[state]}")
        for day in (FIRST_DAY, SECOND_DAY):
            slot_seed(location=centre_of(state), capacity=40, date=day, state=state, name=name)


def last_code(sms_path: Path, phone: str) -> str:
    send_waiting_codes()
    sent = [line for line in sms_lines(sms_path) if line["to"] == phone]
    found = CODE.search(sent[-1]["text"]) if sent else None
    assert found, f"no code sent to {phone}"
    return found.group(1)


def book_by_api(person: Person, state: str, sms_path: Path) -> str:
    client, language = Client(), {"Accept-Language": person.lang}
    phone = clean_phone(person.phone)
    resend_allowed(person.phone)  # a family's phone, a minute after the last member's code
    sent = client.post(
        "/api/verifications",
        {"phone": person.phone},
        content_type="application/json",
        headers=language,
    )
    assert sent.status_code == 202, sent.content
    confirmed = client.post(
        "/api/verifications/confirm",
        {"phone": person.phone, "code": last_code(sms_path, phone)},
        content_type="application/json",
    )
    assert confirmed.status_code == 200, confirmed.content
    body = {
        "id_type": person.id_type,
        "id_number": person.id_number,
        "name": person.name,
        "phone": person.phone,
        "email": person.email or None,
        "location": centre_of(state),
        "date": FIRST_DAY.isoformat(),
    }
    if person.birth_date:
        body["birth_date"] = person.birth_date.isoformat()
    booked = client.post(
        "/api/bookings",
        body,
        content_type="application/json",
        headers={**language, "Authorization": f"Bearer {confirmed.json()['token']}"},
    )
    assert booked.status_code == 201, (person, booked.content)
    return str(booked.json()["reference"])


def book_in_wizard(person: Person, state: str, sms_path: Path) -> str:
    client = Client()
    client.cookies["django_language"] = person.lang
    phone = clean_phone(person.phone)
    resend_allowed(person.phone)  # a family's phone, a minute after the last member's code
    sent = client.post("/register/phone/", {"phone": person.phone})
    assert sent.status_code == 303, sent.content.decode()[:3000]
    if sent["Location"].endswith("/code/"):
        coded = client.post("/register/code/", {"code": last_code(sms_path, phone)})
        assert coded.status_code == 303, coded.content.decode()[:3000]
    details = {"name": person.name, "email": person.email}
    if person.birth_date:
        details |= {
            "birth_day": str(person.birth_date.day),
            "birth_month": str(person.birth_date.month),
            "birth_year": str(person.birth_date.year),
        }
    steps = [
        ("/register/id/", {"id_type": person.id_type, "id_number": person.id_number}),
        ("/register/details/", details),
        ("/register/state/", {"state": state}),
        ("/register/centre/", {"location": centre_of(state)}),
        ("/register/date/", {"slot": f"{centre_of(state)}|{FIRST_DAY.isoformat()}"}),
        ("/register/check/", {}),
    ]
    for url, data in steps:
        response = client.post(url, data)
        # A state with one centre skips the centre step: its post sends the person onward.
        page = response.content.decode()
        problem = page[page.find('class="error-summary"') :][:1500]
        assert response.status_code in (302, 303), (url, person, problem)
    page = client.get("/register/confirmation/").content.decode()
    found = re.search(r'class="reference">([^<]+)<', page)
    assert found, page[:3000]
    calendar = client.get("/register/confirmation/calendar.ics")
    assert calendar.status_code == 200
    assert_ics_fits(calendar.content)
    return found.group(1)


def assert_ics_fits(ics: bytes) -> None:
    """RFC 5545: lines of at most 75 octets, longer ones folded; a valid UTF-8 whole."""
    text = ics.decode("utf-8")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75, line


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    crowd=st.lists(
        people(slot_date=FIRST_DAY), min_size=1, max_size=6, unique_by=lambda person: person.key
    ),
)
def test_every_person_in_any_language_with_any_accepted_answer_goes_through_every_stage(
    db: None, settings: SettingsWrapper, sms_file: Path, data: st.DataObject, crowd: list[Person]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    sms_file.write_text("")
    world_reset()
    phones = Counter(clean_phone(person.phone) for person in crowd)
    if max(phones.values()) > settings.PHONE_BOOKING_LIMIT:
        return

    booked: dict[str, Person] = {}
    for person in crowd:
        state = data.draw(st.sampled_from(sorted(STATES)), label="state")
        book = data.draw(st.sampled_from([book_by_api, book_in_wizard]), label="channel")
        booked[book(person, state, sms_file)] = person
        event(f"{person.lang} by {book.__name__}")
        event(f"{len(person.name)}-character name" if len(person.name) >= 100 else "shorter name")
        event(f"{len(person.email)}-character e-mail" if len(person.email) >= 254 else "e-mail")
    assert set(relay_and_send()) == {"sent"}

    # Some move to the next day, some cancel: each is a new entry the pipeline must carry.
    active = dict(booked)
    for reference, person in list(booked.items()):
        appointment = appointment_current(
            number=number_for(reference) or 0,
            id_type=person.id_type,
            id_number=compact_id_number(person.id_number),
        )
        assert appointment is not None
        action = data.draw(st.sampled_from(["keep", "move", "cancel"]), label="then")
        if action == "move":
            moved = appointment_move(
                appointment=appointment, slot=f"{appointment.location}|{SECOND_DAY.isoformat()}"
            )
            del active[reference]
            active[moved.reference] = person
        elif action == "cancel":
            assert appointment_cancel(appointment=appointment)
            del active[reference]
    assert set(relay_and_send()) <= {"sent"}

    # Every booking, change and cancellation reached its person once, in their language.
    texts = Counter(line["id"].split(":")[0] for line in sms_lines(sms_file) if ":" in line["id"])
    for reference in active:
        assert texts[reference] == 1, (reference, sms_lines(sms_file))
    assert [m.to for m in mail.outbox if len(m.to) == 1] == [m.to for m in mail.outbox]

    call_command("export_bookings", "--verify", stdout=StringIO())
    assert not SetAsideBooking.objects.exists()
    rows = {row.reference: row for row in Booking.objects.filter(cancelled_at__isnull=True)}
    assert rows.keys() == active.keys()
    for reference, person in active.items():
        row = rows[reference]
        assert row.name == clean_name(person.name)
        assert row.email == person.email
        assert row.lang == person.lang
        assert row.id_number == compact_id_number(person.id_number)
        assert row.phone == clean_phone(person.phone)
    assert Booking.objects.count() == len(set(Booking.objects.values_list("number", flat=True)))

    # Past retention after the last dose, every booking's personal data goes from Redis (but
    # the log's last entry, which numbers the next booking); the warehouse still agrees.
    last_dose = SECOND_DAY + datetime.timedelta(days=settings.DOSE_INTERVAL_DAYS[1])
    later = last_dose + datetime.timedelta(days=settings.RETENTION_DAYS + 1)
    personal_data_purge(today=later, retention_days=settings.RETENTION_DAYS)
    assert not bookings_verify().differences
    last = bookings.read_last_number()
    for number, fields in bookings.read_entries(after=0, count=10_000):
        if fields.get("kind") == "booked" and number != last:
            assert not any(fields.get(name) for name in PERSONAL_FIELDS), fields
