"""The phone and code pages' forms, and how a refused code or send is told to the person."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from phones import budget
from vaksin import validation
from vaksin.errors import BookingError
from vaksin.forms import Answer, StepForm, refusal, validated


def refusal_of(error: BookingError, *, lapsed: bool = False) -> ValidationError:
    """A refused code or send, as the message of the code or phone field.

    A code that lapsed answers like a wrong one (the answer never tells whether a code is
    pending), so `lapsed` (the code's ten minutes have passed, as the browser remembers) says
    which it is."""
    if error.fields:
        return refusal(next(iter(error.fields.values()))[0])
    if error.code == "invalid_code" and lapsed:
        return refusal("code_expired")
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
        return refusal("code_ended")
    if error.code == "rate_limited":
        return refusal("code_tries_used")
    return refusal(error.code)


def send_refusal(error: BookingError) -> ValidationError:
    """A code not sent because this phone or address asked for too many."""
    if error.code != "rate_limited":
        return refusal_of(error)
    if getattr(error, "limit", "") == budget.LIMIT:
        # Not this person's doing: every code of this minute or hour (or of this range of
        # numbers) has been sent.
        return ValidationError(budget.budget_refusal_text(error.retry_after), code="rate_limited")
    if getattr(error, "limit", "") == "cooldown":
        # Not too many: one code a minute to a phone, whoever asks, and this one is recent.
        seconds = max(1, error.retry_after)
        return ValidationError(
            ngettext(
                "We sent a code to this number less than a minute ago, and an SMS can take that "
                "long to arrive. Wait %(count)d second, then send a new code",
                "We sent a code to this number less than a minute ago, and an SMS can take that "
                "long to arrive. Wait %(count)d seconds, then send a new code",
                seconds,
            )
            % {"count": seconds},
            code="rate_limited",
        )
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


class PhoneForm(StepForm):
    phone = Answer()

    def clean_phone(self) -> str:
        return validated(validation.clean_phone, self.cleaned_data["phone"])

    def shown_from(self, kept: Mapping[str, str]) -> Mapping[str, str]:
        return {"phone": validation.phone_national(kept.get("phone", ""))}


class CodeForm(StepForm):
    """The code as typed; verification_confirm owns the rule for its format."""

    code = Answer()
