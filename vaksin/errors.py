"""Every message a person can be shown about their booking, in one place, translatable.

Written as GOV.UK writes errors: say what is wrong and how to put it right, without blame.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vaksin.store.entries import Outcome

MESSAGES: dict[str, Promise] = {
    # Identity
    "id_type_missing": _("Select whether you have a MyKad or a passport"),
    "mykad_missing": _("Enter your MyKad number"),
    "mykad_format": _("Enter your MyKad number as 12 digits, like 900101-14-5555"),
    "mykad_birth_date": _(
        "The first 6 digits of your MyKad number must be your date of birth as YYMMDD, "
        "like 900101 for 1 January 1990"
    ),
    "mykad_birth_place": _(
        "Digits 7 and 8 of your MyKad number must be a place-of-birth code, "
        "like 14 for Kuala Lumpur"
    ),
    "passport_missing": _("Enter your passport number"),
    "passport_format": _("Enter your passport number as 6 to 20 letters and numbers only"),
    "birth_date_format": _("Enter your date of birth as a real date, like 2001-01-31"),
    "birth_date_future": _("Your date of birth must be in the past"),
    "too_young": _("You must be 18 or over on the date of your appointment to register"),
    # Contact
    "name_missing": _("Enter your full name"),
    "name_too_long": _("Your full name must be 100 characters or fewer"),
    "name_characters": _("Your full name must contain letters, not only symbols or numbers"),
    "phone_missing": _("Enter your mobile number"),
    "phone_format": _("Enter a Malaysian mobile number, like 012-345 6789"),
    "phone_not_mobile": _(
        "Enter a mobile number, not a landline: we send your appointment details by SMS"
    ),
    "email_format": _("Enter an email address in the correct format, like name@example.com"),
    "email_too_long": _("Your email address must be 254 characters or fewer"),
    "email_local_too_long": _(
        "The part of your email address before the @ must be 64 characters or fewer"
    ),
    # Choice of slot
    "state_missing": _("Select a state"),
    "location_missing": _("Select a vaccination centre"),
    "date_missing": _("Select a date"),
    "date_format": _("Select a date from the list"),
    # Outcomes
    "unknown_slot": _("That centre or date is not offered. Choose one from the list"),
    "sold_out": _("That date is now fully booked. Choose another date or centre"),
    # Said to a phone that does not hold the person's booking: no more than that this person
    # cannot be booked from it (a phone holding it gets the booking back instead).
    "already_registered": _(
        "This person cannot be booked from this mobile number: their ID number already has an "
        "appointment"
    ),
    "phone_not_verified": _(
        "Use the mobile number you verified with a code, or leave the number out"
    ),
    "phone_limit": _(
        "This mobile number already holds the most appointments one number may hold. "
        "Use another family member's number"
    ),
    "phone_unverified": _("Verify your mobile number with the code we send you first"),
    "code_format": _("Enter the 6-digit code from the SMS we sent you"),
    "invalid_code": _("That code is not right. Check the SMS we sent you and try again"),
    "passport_is_mykad": _(
        "This is a MyKad number. Select MyKad and enter it there: one person, one appointment"
    ),
    "birth_date_missing": _("Enter your date of birth"),
    "closed": _("Registration is closed"),
    "not_admitted": _(
        "It is not your turn to book yet. Wait in the waiting room: we let people in one "
        "by one, in a fair order"
    ),
    "rate_limited": _("Too many attempts. Wait a minute, then try again"),
    "unavailable": _("The service is very busy. Your answers are kept: try again in a few seconds"),
    "idempotency_conflict": _("This request key was already used for a different booking"),
    # Managing a booking, and the waiting list
    "same_slot": _(
        "That is the date and centre you are booked for already. Choose a different one"
    ),
    "dose_given": _(
        "Your first dose was given already, so this appointment can no longer be changed or "
        "cancelled here. Only your second dose can be moved. Ask at your vaccination centre"
    ),
    "offer_gone": _(
        "This place is no longer held for you: the time to book it has passed, or it was "
        "booked. Choose another date, or join the waiting list again"
    ),
    "available": _("That date has a place free now. Choose it and book it"),
    # The wizard's, the look-up's and the API's own
    "id_number_missing": _("Enter your MyKad or passport number"),
    "birth_date_incomplete": _("Your date of birth must include a day, month and year"),
    # The wizard asks the date in three boxes: its example is the hint's (the API's is ISO).
    "birth_date_boxes_format": _(
        "Enter your date of birth as a real date, with the day, month and year in numbers, "
        "like 27 3 1990"
    ),
    "lookup_id_missing": _("Enter the MyKad or passport number you registered with"),
    "lookup_reference_missing": _("Enter your booking reference, like K7Q-X3M-HA2"),
    "body_json": _(
        "Send a JSON object with id_type, id_number, name, phone, email, location and date"
    ),
    "idempotency_key_format": _(
        "The Idempotency-Key header must be at most 255 printable ASCII characters"
    ),
    "not_found": _(
        "No appointment matches that ID number and booking reference. Check both against "
        "the SMS we sent you, then try again"
    ),
    "code_expired": _("Your code has expired: a code lasts 10 minutes. Send a new code"),
    "code_ended": _(
        "That code can no longer be used: it was tried too many times or replaced by a newer "
        "one. Send a new code"
    ),
    "code_tries_used": _("You have tried this code too many times. Send a new code"),
}


def message(code: str) -> str:
    """What a person is told for `code`, in the current language (the code itself if unknown)."""
    found = MESSAGES.get(code)
    return str(found) if found is not None else code


# The HTTP status of each refusal, for the API and the wizard's check page alike: the scripts'
# outcomes by their Outcome, the door's own refusals by their code.
STATUS: dict[str, int] = {
    "invalid": 400,
    "closed": 403,
    Outcome.UNKNOWN_SLOT: 404,
    Outcome.SOLD_OUT: 409,
    Outcome.ALREADY_REGISTERED: 409,
    Outcome.PHONE_LIMIT: 409,
    Outcome.SAME_SLOT: 409,
    Outcome.DOSE_GIVEN: 409,
    Outcome.OFFER_GONE: 410,
    "too_young": 400,
    "phone_unverified": 401,
    Outcome.NOT_ADMITTED: 403,
    Outcome.IDEMPOTENCY_CONFLICT: 422,
    Outcome.RATE_LIMITED: 429,
    "unavailable": 503,
}


class BookingError(Exception):
    """A booking that did not happen, with why (`code`) and, for bad input, which answers to fix."""

    def __init__(
        self,
        code: str,
        *,
        fields: dict[str, list[str]] | None = None,
        retry_after: int = 0,
        position: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields or {}
        self.retry_after = retry_after
        self.position = position  # in the waiting room, for "not_admitted"
