"""Made-up but valid people, for tests and benchmarks: person i always has the same MyKad."""

import datetime
import itertools
from typing import Any

from registration.services import BookingRequest, booking_create, booking_request_clean
from vaksin.validation import clean_phone

FIRST_BIRTHDAY = datetime.date(1950, 1, 1)
PER_BIRTHDAY = 10_000
# mykad() without a number makes up a new person each call, numbered far above those tests name.
_new_people = itertools.count(50_000_000)
# Each made-up booking comes from a phone of its own, unless a test says otherwise: one phone
# may hold only PHONE_BOOKING_LIMIT bookings.
_new_phones = itertools.count(1)


def new_phone() -> str:
    """A Malaysian mobile number no other made-up person has, as E.164."""
    return f"+6013{3_000_000 + next(_new_phones):07d}"


def bearer(phone: str) -> str:
    """The Authorization header of a phone that has been verified."""
    # Imported here: bench/ imports this module before Django's settings are set up, and the
    # verification module's queue (django-rq) reads them when imported.
    from phones.services import phone_token

    return f"Bearer {phone_token(clean_phone(phone)).token}"


def mykad(i: int | None = None, *, born: datetime.date | None = None) -> str:
    """A valid MyKad (a real date of birth, place code 14) unique for every i below 10^8;
    without i, a new person's. `born` gives the person that date of birth instead."""
    number = next(_new_people) if i is None else i
    birthday = born or FIRST_BIRTHDAY + datetime.timedelta(days=number // PER_BIRTHDAY)
    return f"{birthday:%y%m%d}14{number % PER_BIRTHDAY:04d}"


def booking_request(i: int, *, location: str, date: datetime.date | str) -> BookingRequest:
    """Person i asking for one slot, already cleaned (as booking_request_clean would return it)."""
    return BookingRequest(
        id_type="mykad",
        id_number=mykad(i),
        name=f"Person {i}",
        phone=f"+6012{i % 10_000_000:07d}",
        email="",
        location=location,
        date=str(date),
        lang="en",
    )


def book_someone(*, location: str, date: datetime.date, id_number: str | None = None) -> str:
    """Someone else books through the same service the wizard uses; returns the reference."""
    confirmation = booking_create(
        request=booking_request_clean(
            id_type="mykad",
            id_number=id_number or mykad(),
            name="Tan Wei Ming",
            phone=new_phone(),
            email="",
            location=location,
            date=date.isoformat(),
            today=datetime.date.today(),
        )
    )
    return confirmation.reference


def api_body(day: datetime.date, **changes: Any) -> dict[str, Any]:
    """A new person's valid POST /api/bookings body for WTCKL on `day`, with `changes`."""
    return {
        "id_type": "mykad",
        "id_number": mykad(),
        "name": "Siti Nurhaliza",
        "phone": new_phone(),
        "email": None,
        "location": "WTCKL",
        "date": day.isoformat(),
    } | changes
