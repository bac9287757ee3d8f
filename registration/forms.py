"""Each wizard step's answers (and the look-up's) as Django forms, cleaned with the same rules
as the API.

Every `clean_<field>` calls the validator in vaksin.validation that owns the rule and
turns its FieldError into a ValidationError with the same code, so a page shows the same
message as the API. A field gets one error, the first thing to fix. The answers are shown back
as typed, so a page with an error keeps everything the person gave.
"""

import datetime
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from availability.selectors import centre_in_listing
from vaksin import validation
from vaksin.errors import BookingError, message
from vaksin.formats import long_date, plain_date
from vaksin.validation import FieldError

# Where each field's error links to: the id of its first input.
ANCHORS = {
    "id_type": "id_type-mykad",
    "birth_date": "birth_day",
    "state": "state-first",
    "location": "location-first",
    "slot": "slot-first",
}
# Errors whose fix is elsewhere than their field: a MyKad typed as a passport is put right by
# choosing MyKad; a code that can no longer be used, by sending a new one.
FIX_AT = {
    "passport_is_mykad": "id_type-mykad",
    "code_expired": "resend",
    "code_ended": "resend",
    "code_tries_used": "resend",
}

# The longest answer kept: that of the longest field. A longer answer is cut one character past
# it, so its validator still refuses it as too long, and nothing accepted is ever cut.
ANSWER_LIMIT = max(
    validation.EMAIL_MAX_LENGTH, validation.NAME_MAX_LENGTH, validation.ID_NUMBER_MAX_LENGTH
)

T = TypeVar("T")


def error_summary(
    messages: Mapping[str, str], anchors: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """The error summary: each message with the id it links to, in page order."""
    anchors = {**ANCHORS, **(anchors or {})}
    return [{"anchor": anchors.get(name, name), "message": text} for name, text in messages.items()]


def _refusal(code: str) -> ValidationError:
    return ValidationError(message(code), code=code)


def too_young_by(day: datetime.date) -> ValidationError:
    return ValidationError(
        _(
            "You must be 18 or over on the date of your appointment. You will not be 18 by "
            "%(date)s, the last date appointments are offered, so you cannot register now"
        )
        % {"date": plain_date(day)},
        code="too_young",
    )


def refusal_of(error: BookingError, *, lapsed: bool = False) -> ValidationError:
    """A refused code or send, as the message of the code or phone field.

    A code that can no longer be tried answers like one that was never sent, so `lapsed` (the
    code's ten minutes have passed) tells the person which it is most likely to be."""
    if error.fields:
        return _refusal(next(iter(error.fields.values()))[0])
    tries_left = getattr(error, "tries_left", 0)
    if error.code == "invalid_code" and tries_left:
        return ValidationError(
            ngettext(
                "That code is not right. Check the SMS we sent you: you have %(count)d more try",
                "That code is not right. Check the SMS we sent you: you have %(count)d more tries",
                tries_left,
            )
            % {"count": tries_left},
            code="invalid_code",
        )
    if error.code == "invalid_code":
        return _refusal("code_expired" if lapsed else "code_ended")
    if error.code == "rate_limited":
        return _refusal("code_tries_used")
    return _refusal(error.code)


def sold_out_on(day: datetime.date, *, alternatives: bool) -> str:
    """The date that has just sold out, by name, and where to look instead."""
    if alternatives:
        text = _("%(date)s is now fully booked. These places nearby still have room")
    else:
        text = _("%(date)s is now fully booked. Choose another date or centre")
    return str(text) % {"date": long_date(day)}


def phone_limit_message(limit: int) -> str:
    return ngettext(
        "This mobile number already holds %(count)d appointment, the most one number may hold. "
        "Change it to another family member's mobile number",
        "This mobile number already holds %(count)d appointments, the most one number may hold. "
        "Change it to another family member's mobile number",
        limit,
    ) % {"count": limit}


def send_refusal(error: BookingError) -> ValidationError:
    """A code not sent because this phone or address asked for too many."""
    if error.code != "rate_limited":
        return refusal_of(error)
    minutes = max(1, -(-error.retry_after // 60))
    return ValidationError(
        ngettext(
            "You have asked for too many codes. Wait %(count)d minute, then send a new code",
            "You have asked for too many codes. Wait %(count)d minutes, then send a new code",
            minutes,
        )
        % {"count": minutes},
        code="rate_limited",
    )


def _validated(clean: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a validator; its FieldError becomes the ValidationError Django forms expect."""
    try:
        return clean(*args, **kwargs)
    except FieldError as error:
        raise _refusal(error.code) from None


def posted(request: HttpRequest) -> QueryDict | None:
    """What a page's form is bound to: the POST, or nothing on a GET (an unbound form shows the
    answers kept so far)."""
    return request.POST if request.method == "POST" else None


def _cut(value: object) -> str:
    return value[: ANSWER_LIMIT + 1] if isinstance(value, str) else ""


class Answer(forms.Field):
    """One answer as typed. Never required here: the step's clean_<field> says what is missing,
    in the words of the validator that owns the rule."""

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> str:
        return _cut(value)

    def prepare_value(self, value: Any) -> str:
        return _cut(value)


BIRTH_DATE_PARTS = ("birth_day", "birth_month", "birth_year")


class DateParts(forms.Widget):
    """A date typed into three boxes: day, month and year."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, Any]:
        return {part: data.get(part) for part in BIRTH_DATE_PARTS}


class DateOfBirth(forms.Field):
    """The date of birth as its three typed parts; kept in the wizard as YYYY-MM-DD."""

    widget = DateParts

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> dict[str, str]:
        parts = value if isinstance(value, dict) else {}
        return {part: _cut(parts.get(part)) for part in BIRTH_DATE_PARTS}

    def prepare_value(self, value: Any) -> dict[str, str]:
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return {
                "birth_day": day.lstrip("0"),
                "birth_month": month.lstrip("0"),
                "birth_year": year,
            }
        return self.to_python(value)


class StepForm(forms.Form):
    """A page's answers: bound to what was posted, or unbound to show what the wizard has kept
    so far (`kept`, which the checks of later steps read too)."""

    def __init__(self, data: QueryDict | None, *, kept: Mapping[str, str] | None = None) -> None:
        self.kept = kept or {}
        super().__init__(data, initial=dict(self.shown_from(self.kept)))

    def shown_from(self, kept: Mapping[str, str]) -> Mapping[str, str]:
        """The kept answers as this page's inputs show them."""
        return kept

    @property
    def values(self) -> dict[str, str]:
        """The answers as typed (or as kept), to show back."""
        shown: dict[str, str] = {}
        for name in self.fields:
            value = self[name].value()
            shown |= value if isinstance(value, dict) else {name: value}
        return shown

    @property
    def answers(self) -> dict[str, str]:
        """What a valid form gives the wizard."""
        return dict(self.cleaned_data)

    def page_context(self, notices: Mapping[str, str] | None = None) -> dict[str, Any]:
        """What the page templates read: `values`, the error summary `errors` and each field's
        message in `error_for`; `notices` adds a message (by code) the form did not find."""
        messages = {name: str(errors[0]) for name, errors in self.errors.items()}
        messages |= {name: message(code) for name, code in (notices or {}).items()}
        anchors = {
            name: FIX_AT[errors[0].code]
            for name, errors in self.errors.as_data().items()
            if errors[0].code in FIX_AT
        }
        return {
            "values": self.values,
            "errors": error_summary(messages, anchors),
            "error_for": messages,
        }


class DatedForm(StepForm):
    """A step whose rules depend on today's date (a date of birth in the past, an age).

    With `last_day`, the last date appointments are offered, someone who cannot be 18 by then
    is told at once, not after choosing a date."""

    def __init__(
        self,
        data: QueryDict | None,
        *,
        kept: Mapping[str, str],
        today: datetime.date,
        last_day: datetime.date | None = None,
    ) -> None:
        super().__init__(data, kept=kept)
        self.today = today
        self.last_day = last_day

    def refuse_if_too_young(self, born: datetime.date) -> None:
        if self.last_day and not validation.old_enough(born, on=self.last_day):
            raise too_young_by(self.last_day)


class IdForm(DatedForm):
    id_type = Answer()
    id_number = Answer()

    def clean_id_type(self) -> str:
        return _validated(validation.clean_id_type, self.cleaned_data["id_type"])

    def clean_id_number(self) -> str:
        typed = self.cleaned_data["id_number"]
        kind = self.cleaned_data.get("id_type")
        if kind is None:
            # Without the document's type, only a missing number can be told apart.
            if not typed.strip():
                raise _refusal("id_number_missing")
            return typed
        number = _validated(validation.clean_id_number, kind, typed, today=self.today)
        if kind == "mykad":
            self.refuse_if_too_young(validation.mykad_birth_date(number, today=self.today))
        return number


class PhoneForm(StepForm):
    phone = Answer()

    def clean_phone(self) -> str:
        return _validated(validation.clean_phone, self.cleaned_data["phone"])

    def shown_from(self, kept: Mapping[str, str]) -> Mapping[str, str]:
        return {"phone": validation.phone_national(kept.get("phone", ""))}


class CodeForm(StepForm):
    """The code as typed; verification_confirm owns the rule for its format."""

    code = Answer()


class DetailsForm(DatedForm):
    name = Answer()
    email = Answer()
    birth_date = DateOfBirth()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.kept.get("id_type") != "passport":
            # A MyKad number carries its holder's date of birth; only passport holders are asked.
            del self.fields["birth_date"]

    def clean_name(self) -> str:
        return _validated(validation.clean_name, self.cleaned_data["name"])

    def clean_email(self) -> str:
        return _validated(validation.clean_email, self.cleaned_data["email"])

    def clean_birth_date(self) -> str:
        parts = [self.cleaned_data["birth_date"][part].strip() for part in BIRTH_DATE_PARTS]
        if not any(parts):
            raise _refusal("birth_date_missing")
        if not all(parts):
            raise _refusal("birth_date_incomplete")
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise _refusal("birth_date_format")
        day, month, year = (int(part) for part in parts)
        if not 1850 <= year <= 9999:
            raise _refusal("birth_date_format")
        typed = f"{year:04d}-{month:02d}-{day:02d}"
        born = _validated(validation.clean_birth_date, typed, today=self.today)
        if born is None:
            return ""
        self.refuse_if_too_young(born)
        return born.isoformat()


class ListingForm(StepForm):
    """A step that picks from the availability listing the page shows."""

    def __init__(
        self, data: QueryDict | None, *, kept: Mapping[str, str], listing: dict[str, Any]
    ) -> None:
        super().__init__(data, kept=kept)
        self.listing = listing


class StateForm(ListingForm):
    state = Answer()

    def clean_state(self) -> str:
        code = self.cleaned_data["state"]
        if code not in {state["code"] for state in self.listing["states"]}:
            raise _refusal("state_missing")
        return code


class CentreForm(ListingForm):
    location = Answer()

    def clean_location(self) -> str:
        centre = centre_in_listing(self.listing, self.cleaned_data["location"])
        if centre is None or centre["state"] != self.kept.get("state"):
            raise _refusal("location_missing")
        return str(centre["id"])


class DateForm(ListingForm):
    """The slot as 'CENTRE|DATE': a date at the chosen centre or an alternative nearby."""

    slot = Answer()

    def clean_slot(self) -> str:
        slot = self.cleaned_data["slot"]
        location, _, date = slot.partition("|")
        centre = centre_in_listing(self.listing, location)
        offered = centre is not None and any(offer["date"] == date for offer in centre["slots"])
        if not offered or centre is None or centre["state"] != self.kept.get("state"):
            raise _refusal("date_missing")
        if not self._old_enough(date):
            raise _refusal("too_young")
        return slot

    def shown_from(self, kept: Mapping[str, str]) -> Mapping[str, str]:
        return {"slot": f"{kept.get('location', '')}|{kept.get('date', '')}"}

    @property
    def answers(self) -> dict[str, str]:
        # An alternative at another centre changes the centre too.
        location, _, date = self.cleaned_data["slot"].partition("|")
        return {"location": location, "date": date}

    def _old_enough(self, date: str) -> bool:
        answers = self.kept
        slot_date = datetime.date.fromisoformat(date)
        try:
            if answers.get("id_type") == "mykad":
                born = validation.mykad_birth_date(answers.get("id_number", ""), today=slot_date)
            elif answers.get("birth_date"):
                born = datetime.date.fromisoformat(answers["birth_date"])
            else:
                return True
        except (FieldError, ValueError):
            # The final check at booking reports a bad number against its own field.
            return True
        return validation.old_enough(born, on=slot_date)


class LookupForm(StepForm):
    id_number = Answer()
    reference = Answer()

    def clean_id_number(self) -> str:
        typed = self.cleaned_data["id_number"]
        if not typed.strip():
            raise _refusal("lookup_id_missing")
        return validation.compact_id_number(typed)

    def clean_reference(self) -> str:
        typed = self.cleaned_data["reference"]
        if not typed.strip():
            raise _refusal("lookup_reference_missing")
        return typed.strip()
