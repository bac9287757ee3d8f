"""Each booking step's answers as a form: the identity, the details, the state, the centre and
the date, cleaned with the same rules as the API (vaksin/forms.py says how)."""

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from availability.selectors import centre_in_listing
from vaksin import validation
from vaksin.formats import long_date, plain_date
from vaksin.forms import Answer, StepForm, cut, refusal, validated
from vaksin.validation import FieldError


def too_young_by(day: datetime.date) -> ValidationError:
    return ValidationError(
        _(
            "You must be 18 or over on the date of your appointment. You will not be 18 by "
            "%(date)s, the last date appointments are offered, so you cannot register now"
        )
        % {"date": plain_date(day)},
        code="too_young",
    )


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
        return {part: cut(parts.get(part)) for part in BIRTH_DATE_PARTS}

    def prepare_value(self, value: Any) -> dict[str, str]:
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return {
                "birth_day": day.lstrip("0"),
                "birth_month": month.lstrip("0"),
                "birth_year": year,
            }
        return self.to_python(value)


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
        return validated(validation.clean_id_type, self.cleaned_data["id_type"])

    def clean_id_number(self) -> str:
        typed = self.cleaned_data["id_number"]
        kind = self.cleaned_data.get("id_type")
        if kind is None:
            # Without the document's type, only a missing number can be told apart.
            if not typed.strip():
                raise refusal("id_number_missing")
            return typed
        number = validated(validation.clean_id_number, kind, typed, today=self.today)
        if kind == "mykad":
            self.refuse_if_too_young(validation.mykad_birth_date(number, today=self.today))
        return number


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
        return validated(validation.clean_name, self.cleaned_data["name"])

    def clean_email(self) -> str:
        return validated(validation.clean_email, self.cleaned_data["email"])

    def clean_birth_date(self) -> str:
        parts = [self.cleaned_data["birth_date"][part].strip() for part in BIRTH_DATE_PARTS]
        if not any(parts):
            raise refusal("birth_date_missing")
        if not all(parts):
            raise refusal("birth_date_incomplete")
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise refusal("birth_date_boxes_format")
        day, month, year = (int(part) for part in parts)
        if not 1850 <= year <= 9999:
            raise refusal("birth_date_boxes_format")
        typed = f"{year:04d}-{month:02d}-{day:02d}"
        try:
            born = validated(validation.clean_birth_date, typed, today=self.today)
        except ValidationError as error:
            # The same rule as the API's, said with the example of the boxes' hint.
            if error.code == "birth_date_format":
                raise refusal("birth_date_boxes_format") from None
            raise
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
            raise refusal("state_missing")
        return code


class CentreForm(ListingForm):
    location = Answer()

    def clean_location(self) -> str:
        centre = centre_in_listing(self.listing, self.cleaned_data["location"])
        if centre is None or centre["state"] != self.kept.get("state"):
            raise refusal("location_missing")
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
            raise refusal("date_missing")
        if not self._old_enough(date):
            raise refusal("too_young")
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
                # Read as of today, as the identity step read it: read as of the slot's date, a
                # MyKad of someone turning 100 between today and then named a newborn.
                number = answers.get("id_number", "")
                born = validation.mykad_birth_date(number, today=timezone.localdate())
            elif answers.get("birth_date"):
                born = datetime.date.fromisoformat(answers["birth_date"])
            else:
                return True
        except (FieldError, ValueError):
            # The final check at booking reports a bad number against its own field.
            return True
        return validation.old_enough(born, on=slot_date)
