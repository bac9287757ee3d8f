"""The wizard's answers as a booking request: one mapping, for booking a date and for joining a
full date's waiting list alike."""

from django.utils import timezone
from django.utils.translation import get_language

from registration.services import BookingRequest, booking_request_clean
from wizard.state import WizardState


def wizard_booking_request(state: WizardState, *, location: object, date: object) -> BookingRequest:
    """The person's answers for `location` on `date`, from their verified phone, cleaned; raises
    BookingError "invalid" with every answer to fix."""
    answers = state.answers
    return booking_request_clean(
        id_type=answers.get("id_type"),
        id_number=answers.get("id_number"),
        name=answers.get("name"),
        phone=None,
        email=answers.get("email"),
        location=location,
        date=date,
        birth_date=answers.get("birth_date"),
        verified_phone=state.phone,
        lang=get_language() or "en",
        today=timezone.localdate(),
    )
