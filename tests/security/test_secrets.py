"""Rotating a secret keeps every promise: one booking per person, a confirmation per booking.

The person key names people in Redis. It used to default to the secret key, so rotating the
secret key (the way to end every staff session) renamed every person: one person could book
twice, and confirmation jobs took live bookings for cancelled ones and sent nothing."""

import pytest

from confirmations.services import confirmations_send
from devstack.people import booking_request
from registration.selectors import appointment_lookup
from registration.services import booking_cancel, booking_create
from vaksin.errors import BookingError
from vaksin.invariants import store_problems


@pytest.fixture
def booked_before_rotation(make_slot, settings, sms_file):
    settings.PERSON_KEY_SECRET = "the-old-person-key"
    settings.PERSON_KEY_SECRET_FALLBACKS = []
    day = make_slot(capacity=5)
    request = booking_request(1, location="WTCKL", date=day)
    return request, booking_create(request=request).reference


@pytest.mark.parametrize("fallbacks, books_twice", [(["the-old-person-key"], False), ([], True)])
def test_after_a_rotation_a_person_still_books_once(
    booked_before_rotation, settings, fallbacks, books_twice
) -> None:
    """The second case is the control: a rotation without the old key lets them book again."""
    request, _ = booked_before_rotation
    settings.PERSON_KEY_SECRET = "the-new-person-key"
    settings.PERSON_KEY_SECRET_FALLBACKS = fallbacks

    try:
        again = booking_create(request=request)
        outcome = "booked" if again.created else "repeat"
    except BookingError as error:
        outcome = error.code

    assert (outcome == "booked") is books_twice


@pytest.mark.parametrize(
    "fallbacks, outcome", [(["the-old-person-key"], "sent"), ([], "cancelled")]
)
def test_after_a_rotation_a_booking_still_gets_its_confirmation(
    booked_before_rotation, settings, fallbacks, outcome
) -> None:
    _, reference = booked_before_rotation
    settings.PERSON_KEY_SECRET = "the-new-person-key"
    settings.PERSON_KEY_SECRET_FALLBACKS = fallbacks

    assert confirmations_send(references=[reference]).outcomes[reference] == outcome


def test_after_a_rotation_a_booking_can_be_looked_up_and_cancelled(
    booked_before_rotation, settings
) -> None:
    request, reference = booked_before_rotation
    settings.PERSON_KEY_SECRET = "the-new-person-key"
    settings.PERSON_KEY_SECRET_FALLBACKS = ["the-old-person-key"]

    found = appointment_lookup(
        id_number=request.id_number, reference=reference, client_address="192.0.2.1"
    )
    assert found is not None and found.reference == reference
    assert booking_cancel(reference=reference, by="test")
    assert store_problems() == []
