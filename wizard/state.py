"""The wizard's state, kept by the person's browser in encrypted cookies (vaksin/cookies.py):
the answers in the wizard's own, the verified phone in phones' (phones/browser.py), which the
waiting room reads too.

The answers live MAX_AGE after the last step; the verified phone as long as its verification.
Once booked, everything but the confirmation is dropped, and the confirmation names no phone.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from phones.browser import BrowserPhone, browser_phone_load, browser_phone_save
from vaksin.cookies import EncryptedCookie, strings

COOKIE = EncryptedCookie("vaksin_wizard", path="/register/")
# Long enough to finish the wizard at 12:00 on the busiest day; short enough not to linger.
MAX_AGE = 4 * 60 * 60

# The wizard's steps, in order, with the answers each one gives: the one table of steps.
# The phone steps come first and open with verification, days before the others.
PHONE_STEPS = ("phone", "code")
STEPS: dict[str, tuple[str, ...]] = {
    "phone": (),
    "code": (),
    "id": ("id_type", "id_number"),
    "details": ("name", "email", "birth_date"),
    "state": ("state",),
    "centre": ("location",),
    "date": ("date",),
    "check": (),
}
ORDER: tuple[str, ...] = tuple(STEPS)
STEP_OF: dict[str, str] = {answer: step for step, answers in STEPS.items() for answer in answers}
STEP_OF["phone"] = "phone"
OPTIONAL = {"email"}
# Answers that depend on another: changing the state unsets the centre, and so on.
DEPENDENTS: dict[str, tuple[str, ...]] = {"state": ("location", "date"), "location": ("date",)}


@dataclass(frozen=True)
class WizardState:
    answers: dict[str, str] = field(default_factory=dict)
    # A one-off message for the next page, e.g. 'sold_out' after a booking attempt.
    notice: str = ""
    notice_slot: str = ""
    # The confirmation once booked: the answers and the phone are gone by then.
    done: dict[str, str] | None = None
    # The verified phone (E.164) the booking is made from, and when its verification lapses.
    phone: str = ""
    phone_until: int = 0
    # The phone a code was last sent to and not yet confirmed, and when it was sent.
    pending: str = ""
    sent_at: int = 0
    # A step's answers as typed that were refused: its GET shows them again with their errors
    # (post/redirect/get for errors too, so Back and reload never resubmit a form).
    retry_step: str = ""
    retry: dict[str, str] = field(default_factory=dict)
    # The phone cookie as the request brought it: written again only when it changes (None:
    # not read, so always written). Most steps change only the answers.
    phone_read: BrowserPhone | None = field(default=None, compare=False, repr=False)

    def required(self, step: str) -> tuple[str, ...]:
        needed = tuple(name for name in STEPS[step] if name not in OPTIONAL)
        if step == "details" and self.answers.get("id_type") != "passport":
            # A MyKad number carries its holder's date of birth; only passport holders are asked.
            needed = tuple(name for name in needed if name != "birth_date")
        return needed

    def first_missing_step(self) -> str:
        """The first step with an unanswered question, or 'check' when all are answered."""
        if not self.phone:
            return "code" if self.pending else "phone"
        for step in ORDER[len(PHONE_STEPS) :]:
            if any(not self.answers.get(name) for name in self.required(step)):
                return step
        return "check"

    def may_show(self, step: str) -> bool:
        """The phone step always (to change the number), the code step once a code is sent,
        and any other once every step before it has been answered."""
        if step == "phone":
            return True
        if step == "code":
            return bool(self.pending)
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

    def code_sent(self, phone: str, *, at: int) -> "WizardState":
        return replace(self, pending=phone, sent_at=at)

    def verified(self, phone: str, *, until: int) -> "WizardState":
        return replace(self, phone=phone, phone_until=until, pending="", sent_at=0)

    def with_notice(self, code: str, *, slot: str = "") -> "WizardState":
        answers = self.answers
        if slot:
            # A refused slot is asked for again.
            answers = {name: value for name, value in answers.items() if name != "date"}
        return replace(self, answers=answers, notice=code, notice_slot=slot)

    def without_notice(self) -> "WizardState":
        """Without the one-off messages for the next page: the notice and a refused step's."""
        return replace(self, notice="", notice_slot="", retry_step="", retry={})

    def with_retry(self, step: str, typed: dict[str, str]) -> "WizardState":
        return replace(self, retry_step=step, retry=typed)

    def without_retry(self) -> "WizardState":
        return replace(self, retry_step="", retry={})

    def booked(self, confirmation: dict[str, str]) -> "WizardState":
        return WizardState(done=confirmation)


def wizard_load(request: HttpRequest) -> WizardState:
    """The state in the request's cookies; a fresh one when absent, tampered with or
    undecryptable. Answers older than MAX_AGE are dropped, and a lapsed verified phone."""
    phone = browser_phone_load(request)
    kept = WizardState(
        phone=phone.phone, phone_until=phone.phone_until, pending=phone.pending,
        sent_at=phone.sent_at, phone_read=phone,
    )  # fmt: skip
    found = COOKIE.read(request)
    if found is None or found[1] > MAX_AGE:
        return kept
    raw, _ = found
    return replace(
        kept,
        answers=strings(raw.get("a")),
        notice=str(raw.get("n", "")),
        notice_slot=str(raw.get("s", "")),
        done=strings(raw["d"]) if isinstance(raw.get("d"), dict) else None,
        retry_step=str(raw.get("rs", "")),
        retry=strings(raw.get("r")),
    )


def wizard_save(response: HttpResponseBase, state: WizardState) -> None:
    payload: dict[str, Any] = {"a": state.answers}
    if state.notice:
        payload |= {"n": state.notice, "s": state.notice_slot}
    if state.retry_step:
        payload |= {"rs": state.retry_step, "r": state.retry}
    if state.done:
        payload = {"d": state.done}
    COOKIE.write(response, payload, max_age=None)
    phone = BrowserPhone(
        phone=state.phone, phone_until=state.phone_until, pending=state.pending,
        sent_at=state.sent_at,
    )  # fmt: skip
    if phone != state.phone_read:
        browser_phone_save(response, phone)


def wizard_clear(response: HttpResponseBase) -> None:
    COOKIE.clear(response)
    browser_phone_save(response, BrowserPhone())
