"""Each wizard step's answers, cleaned with the same rules as the API (registration.validation).

A step's cleaner takes the posted form and what the wizard already knows, and returns either
the cleaned answers or, per field, the code of the first thing to fix. The raw answers are
returned as well, so a page with an error shows back exactly what the person typed.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from availability.selectors import centre_in_listing
from registration import validation
from registration.errors import MESSAGES
from registration.validation import FieldError
from registration.wizard import WizardState

# Messages only the wizard needs, beside the shared ones in registration.errors.
WIZARD_MESSAGES: dict[str, Promise] = {
    "id_number_missing": _("Enter your MyKad or passport number"),
    "birth_date_missing": _("Enter your date of birth"),
    "birth_date_incomplete": _("Your date of birth must include a day, month and year"),
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
}

# Where each field's error links to: the id of its first input.
ANCHORS = {
    "id_type": "id_type-mykad",
    "birth_date": "birth_day",
    "state": "state-first",
    "location": "location-first",
    "date": "slot-first",
}


def message(code: str) -> str:
    found = MESSAGES.get(code) or WIZARD_MESSAGES.get(code)
    return str(found) if found is not None else code


@dataclass
class StepForm:
    """A step's answers as typed (for showing back) and, per field, what to fix."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    cleaned: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    def error_list(self) -> list[dict[str, str]]:
        """For the error summary: each message with the id it links to, in page order."""
        return [
            {"field": name, "anchor": ANCHORS.get(name, name), "message": message(code)}
            for name, code in self.errors.items()
        ]

    def error_messages(self) -> dict[str, str]:
        return {name: message(code) for name, code in self.errors.items()}


def _posted(data: QueryDict, name: str, *, limit: int = 200) -> str:
    """One posted answer; an over-long one is cut (the cleaner will still refuse it)."""
    value = data.get(name, "")
    return value[: limit + 1] if isinstance(value, str) else ""


def _try(form: StepForm, name: str, clean: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return clean(*args, **kwargs)
    except FieldError as error:
        form.errors.setdefault(name, error.code)
        return None


def id_form(data: QueryDict, *, today: datetime.date) -> StepForm:
    form = StepForm(
        values={"id_type": _posted(data, "id_type"), "id_number": _posted(data, "id_number")}
    )
    kind = _try(form, "id_type", validation.clean_id_type, form.values["id_type"])
    if kind is None:
        if not form.values["id_number"].strip():
            form.errors["id_number"] = "id_number_missing"
        return form
    number = _try(
        form, "id_number", validation.clean_id_number, kind, form.values["id_number"], today=today
    )
    if number is not None:
        form.cleaned = {"id_type": kind, "id_number": number}
    return form


def details_form(data: QueryDict, *, state: WizardState, today: datetime.date) -> StepForm:
    names = ("name", "phone", "email", "birth_day", "birth_month", "birth_year")
    form = StepForm(values={name: _posted(data, name) for name in names})
    cleaned = {
        "name": _try(form, "name", validation.clean_name, form.values["name"]),
        "phone": _try(form, "phone", validation.clean_phone, form.values["phone"]),
        "email": _try(form, "email", validation.clean_email, form.values["email"]),
    }
    if state.answers.get("id_type") == "passport":
        cleaned["birth_date"] = _birth_date(form, today=today)
    if not form.errors:
        form.cleaned = {name: value or "" for name, value in cleaned.items()}
    return form


def _birth_date(form: StepForm, *, today: datetime.date) -> str | None:
    parts = [form.values[name].strip() for name in ("birth_day", "birth_month", "birth_year")]
    if not any(parts):
        form.errors["birth_date"] = "birth_date_missing"
        return None
    if not all(parts) or not all(part.isascii() and part.isdigit() for part in parts):
        form.errors["birth_date"] = (
            "birth_date_incomplete" if not all(parts) else "birth_date_format"
        )
        return None
    day, month, year = (int(part) for part in parts)
    if not 1850 <= year <= 9999:
        form.errors["birth_date"] = "birth_date_format"
        return None
    born = _try(
        form,
        "birth_date",
        validation.clean_birth_date,
        f"{year:04d}-{month:02d}-{day:02d}",
        today=today,
    )
    return born.isoformat() if born else None


def state_form(data: QueryDict, *, listing: dict[str, Any]) -> StepForm:
    form = StepForm(values={"state": _posted(data, "state")})
    codes = {state["code"] for state in listing["states"]}
    if form.values["state"] not in codes:
        form.errors["state"] = "state_missing"
    else:
        form.cleaned = {"state": form.values["state"]}
    return form


def centre_form(data: QueryDict, *, state: WizardState, listing: dict[str, Any]) -> StepForm:
    form = StepForm(values={"location": _posted(data, "location")})
    centre = centre_in_listing(listing, form.values["location"])
    if centre is None or centre["state"] != state.answers.get("state"):
        form.errors["location"] = "location_missing"
    else:
        form.cleaned = {"location": centre["id"]}
    return form


def date_form(data: QueryDict, *, state: WizardState, listing: dict[str, Any]) -> StepForm:
    """The slot as 'CENTRE|DATE': a date at the chosen centre or an alternative nearby."""
    form = StepForm(values={"slot": _posted(data, "slot")})
    location, _, date = form.values["slot"].partition("|")
    centre = centre_in_listing(listing, location)
    offered = centre is not None and any(slot["date"] == date for slot in centre["slots"])
    if not offered or centre is None or centre["state"] != state.answers.get("state"):
        form.errors["date"] = "date_missing"
        return form
    if not _old_enough(state, date):
        form.errors["date"] = "too_young"
        return form
    # An alternative at another centre changes the centre too.
    form.cleaned = {"location": location, "date": date}
    return form


def _old_enough(state: WizardState, date: str) -> bool:
    answers = state.answers
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


def lookup_form(data: QueryDict) -> StepForm:
    form = StepForm(
        values={"id_number": _posted(data, "id_number"), "reference": _posted(data, "reference")}
    )
    if not form.values["id_number"].strip():
        form.errors["id_number"] = "lookup_id_missing"
    if not form.values["reference"].strip():
        form.errors["reference"] = "lookup_reference_missing"
    if form.valid:
        form.cleaned = {name: value.strip() for name, value in form.values.items()}
    return form
