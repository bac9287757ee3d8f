"""The wizard's state, kept by the person's browser in one signed cookie.

The origin writes nothing per visitor until the booking itself, so any web process can serve
any step and three million half-finished registrations cost no storage. The cookie is signed
(tampering is detected) but not encrypted, so it is HttpOnly, limited to the wizard's path,
lives only for the browser session and, once the booking is made, the answers are dropped and
only the confirmation is kept.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.http.response import HttpResponseBase

COOKIE = "vaksin_wizard"
SALT = "registration.wizard"
PATH = "/register/"
# Long enough to finish the wizard at 12:00 on the busiest day; short enough not to linger.
MAX_AGE = 4 * 60 * 60

# The wizard's steps, in order, with the answers each one gives: the one table of steps.
STEPS: dict[str, tuple[str, ...]] = {
    "id": ("id_type", "id_number"),
    "details": ("name", "phone", "email", "birth_date"),
    "state": ("state",),
    "centre": ("location",),
    "date": ("date",),
    "check": (),
}
ORDER: tuple[str, ...] = tuple(STEPS)
STEP_OF: dict[str, str] = {answer: step for step, answers in STEPS.items() for answer in answers}
OPTIONAL = {"email"}
# Answers that depend on another: changing the state unsets the centre, and so on.
DEPENDENTS: dict[str, tuple[str, ...]] = {"state": ("location", "date"), "location": ("date",)}


@dataclass(frozen=True)
class WizardState:
    answers: dict[str, str] = field(default_factory=dict)
    # A one-off message for the next page, e.g. 'sold_out' after a booking attempt.
    notice: str = ""
    notice_slot: str = ""
    # The confirmation once booked: the answers are gone by then.
    done: dict[str, str] | None = None

    def required(self, step: str) -> tuple[str, ...]:
        needed = tuple(name for name in STEPS[step] if name not in OPTIONAL)
        if step == "details" and self.answers.get("id_type") != "passport":
            # A MyKad number carries its holder's date of birth; only passport holders are asked.
            needed = tuple(name for name in needed if name != "birth_date")
        return needed

    def first_missing_step(self) -> str:
        """The first step with an unanswered question, or 'check' when all are answered."""
        for step in STEPS:
            if any(not self.answers.get(name) for name in self.required(step)):
                return step
        return "check"

    def may_show(self, step: str) -> bool:
        """A step may be shown once every step before it has been answered."""
        return ORDER.index(step) <= ORDER.index(self.first_missing_step())

    def answered(self, values: dict[str, str]) -> "WizardState":
        answers = dict(self.answers)
        for name, value in values.items():
            if answers.get(name) != value:
                for dependent in DEPENDENTS.get(name, ()):
                    if dependent not in values:
                        answers.pop(dependent, None)
            answers[name] = value
        if answers.get("id_type") != "passport":
            answers.pop("birth_date", None)
        return replace(self, answers=answers)

    def with_notice(self, code: str, *, slot: str = "") -> "WizardState":
        answers = {name: value for name, value in self.answers.items() if name != "date"}
        return replace(self, answers=answers, notice=code, notice_slot=slot)

    def without_notice(self) -> "WizardState":
        return replace(self, notice="", notice_slot="")

    def booked(self, confirmation: dict[str, str]) -> "WizardState":
        return WizardState(done=confirmation)


def wizard_load(request: HttpRequest) -> WizardState:
    """The state in the request's cookie; a fresh one when absent, tampered with or too old."""
    try:
        raw: Any = signing.loads(request.COOKIES.get(COOKIE, ""), salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return WizardState()
    if not isinstance(raw, dict):
        return WizardState()
    answers = raw.get("a")
    done = raw.get("d")
    return WizardState(
        answers={str(k): str(v) for k, v in answers.items()} if isinstance(answers, dict) else {},
        notice=str(raw.get("n", "")),
        notice_slot=str(raw.get("s", "")),
        done={str(k): str(v) for k, v in done.items()} if isinstance(done, dict) else None,
    )


def wizard_save(response: HttpResponseBase, state: WizardState) -> None:
    payload: dict[str, Any] = {"a": state.answers}
    if state.notice:
        payload |= {"n": state.notice, "s": state.notice_slot}
    if state.done:
        payload = {"d": state.done}
    response.set_cookie(
        COOKIE,
        signing.dumps(payload, salt=SALT, compress=True),
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def wizard_clear(response: HttpResponseBase) -> None:
    response.delete_cookie(COOKIE, path=PATH, samesite="Lax")
