"""The wizard's state, kept by the person's browser in one encrypted cookie.

The origin writes nothing per visitor until the booking itself, so any web process can serve
any step and three million half-finished registrations cost no storage. The cookie holds an ID
number, a name and a verified phone, so it is encrypted and authenticated (Fernet, with a key
derived from SECRET_KEY for this purpose alone): the person's browser, a proxy log or anyone
who copies it reads nothing, and a cookie changed by one bit is a fresh state. It is also
HttpOnly and limited to the wizard's path.

The answers live MAX_AGE after the last step. The verified phone lives as long as its
verification (until registration closes), so a person who verified days before can come back
at noon without a new code: while the cookie holds one, it outlives the browser session. Once
booked, everything but the confirmation is dropped, and the confirmation names no phone.
"""

import base64
import json
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.crypto import salted_hmac

COOKIE = "vaksin_wizard"
# The key's purpose: no other use of SECRET_KEY can produce or read this cookie.
KEY_PURPOSE = "registration.wizard.cookie-key"
PATH = "/register/"
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
        return replace(self, notice="", notice_slot="")

    def booked(self, confirmation: dict[str, str]) -> "WizardState":
        return WizardState(done=confirmation)


@lru_cache(maxsize=4)
def _cipher(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    """Encrypts with the key of SECRET_KEY; also reads cookies made with SECRET_KEY_FALLBACKS,
    so rotating the secret does not throw everyone out of the wizard."""

    def key(secret: str) -> bytes:
        digest = salted_hmac(KEY_PURPOSE, "fernet", secret=secret, algorithm="sha256").digest()
        return base64.urlsafe_b64encode(digest)

    return MultiFernet([Fernet(key(each)) for each in (secret, *fallbacks)])


def cipher() -> MultiFernet:
    return _cipher(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


def _strings(raw: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _number(raw: object) -> int:
    return raw if isinstance(raw, int) else 0


def wizard_load(request: HttpRequest) -> WizardState:
    """The state in the request's cookie; a fresh one when absent, tampered with or
    undecryptable. Answers older than MAX_AGE are dropped, and a lapsed verified phone."""
    token = request.COOKIES.get(COOKIE, "")
    if not token:
        return WizardState()
    try:
        raw: Any = json.loads(cipher().decrypt(token.encode()))
        age = time.time() - cipher().extract_timestamp(token.encode())
    except (InvalidToken, ValueError, TypeError):
        return WizardState()
    if not isinstance(raw, dict):
        return WizardState()
    now = int(time.time())
    phone_until = _number(raw.get("x"))
    phone = str(raw.get("v", "")) if phone_until > now else ""
    kept = WizardState(phone=phone, phone_until=phone_until if phone else 0)
    if age > MAX_AGE:
        return kept
    return replace(
        kept,
        answers=_strings(raw.get("a")),
        notice=str(raw.get("n", "")),
        notice_slot=str(raw.get("s", "")),
        done=_strings(raw["d"]) if isinstance(raw.get("d"), dict) else None,
        pending=str(raw.get("p", "")),
        sent_at=_number(raw.get("t")),
    )


def wizard_save(response: HttpResponseBase, state: WizardState) -> None:
    payload: dict[str, Any] = {"a": state.answers}
    if state.notice:
        payload |= {"n": state.notice, "s": state.notice_slot}
    if state.pending:
        payload |= {"p": state.pending, "t": state.sent_at}
    if state.phone:
        payload |= {"v": state.phone, "x": state.phone_until}
    if state.done:
        payload = {"d": state.done}
    # A verified phone is kept until it lapses, across browser restarts; the rest for the session.
    keep_for = state.phone_until - int(time.time()) if "v" in payload else None
    response.set_cookie(
        COOKIE,
        # UTF-8 rather than \u escapes: a name in Chinese or Tamil takes half the room, and a
        # browser drops a cookie over 4,096 bytes without a word.
        cipher()
        .encrypt(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        .decode(),
        max_age=keep_for,
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def wizard_clear(response: HttpResponseBase) -> None:
    response.delete_cookie(COOKIE, path=PATH, samesite="Lax")
