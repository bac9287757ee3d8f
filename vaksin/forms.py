"""What every public form shares: one answer per field as typed (never cut short of what a
field accepts), a page's answers as a StepForm, and the error summary that links each message
to its field, as GOV.UK's pattern does.

Every `clean_<field>` of a form calls the validator in vaksin/validation.py that owns the rule
and turns its FieldError into a ValidationError with the same code, so a page shows the same
message as the API. A field gets one error, the first thing to fix. The answers are shown back
as typed, so a page with an error keeps everything the person gave.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict

from vaksin import validation
from vaksin.errors import message
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


def refusal(code: str) -> ValidationError:
    return ValidationError(message(code), code=code)


def validated(clean: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a validator; its FieldError becomes the ValidationError Django forms expect."""
    try:
        return clean(*args, **kwargs)
    except FieldError as error:
        raise refusal(error.code) from None


def posted(request: HttpRequest) -> QueryDict | None:
    """What a page's form is bound to: the POST, or nothing on a GET (an unbound form shows the
    answers kept so far)."""
    return request.POST if request.method == "POST" else None


def cut(value: object) -> str:
    return value[: ANSWER_LIMIT + 1] if isinstance(value, str) else ""


class Answer(forms.Field):
    """One answer as typed. Never required here: the step's clean_<field> says what is missing,
    in the words of the validator that owns the rule."""

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> str:
        return cut(value)

    def prepare_value(self, value: Any) -> str:
        return cut(value)


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
