"""Made-up but valid people, for tests and benchmarks: person i always has the same MyKad."""

import datetime

from registration.services import BookingRequest

FIRST_BIRTHDAY = datetime.date(1950, 1, 1)
PER_BIRTHDAY = 10_000


def mykad(i: int) -> str:
    """A valid MyKad (real date of birth, place code 14) unique for every i below 10^8."""
    born = FIRST_BIRTHDAY + datetime.timedelta(days=i // PER_BIRTHDAY)
    return f"{born:%y%m%d}14{i % PER_BIRTHDAY:04d}"


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
