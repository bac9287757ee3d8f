"""What /appointment/ remembers between its pages, in one encrypted cookie of its own.

After a look-up the cookie names the booking (its number and the person's ID), never in a
URL; once the code sent to the booking's phone has been typed, it also says until when that
proof lasts (APPOINTMENT_SESSION_MINUTES). It is encrypted like the wizard's cookie (the same
key), HttpOnly and limited to /appointment/.
"""

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from registration.wizard import cipher

COOKIE = "vaksin_appointment"
PATH = "/appointment/"
# A look-up is remembered this long; the proof of the phone, APPOINTMENT_SESSION_MINUTES.
MAX_AGE = 30 * 60


@dataclass(frozen=True)
class AppointmentSession:
    number: int = 0
    id_type: str = ""
    id_number: str = ""
    verified_until: int = 0  # Unix seconds; 0 until the code sent to the phone is typed
    code_sent_at: int = 0
    notice: str = ""  # a one-off message for the next page, like "resent"
    done: dict[str, str] | None = None  # what was done, for the page that says so

    @property
    def verified(self) -> bool:
        return bool(self.number) and self.verified_until > time.time()

    def with_notice(self, notice: str) -> "AppointmentSession":
        return replace(self, notice=notice)


def session_load(request: HttpRequest) -> AppointmentSession:
    token = request.COOKIES.get(COOKIE, "")
    if not token:
        return AppointmentSession()
    try:
        raw: Any = json.loads(cipher().decrypt(token.encode(), ttl=MAX_AGE))
    except (InvalidToken, ValueError, TypeError):
        return AppointmentSession()
    if not isinstance(raw, dict):
        return AppointmentSession()

    def number(name: str) -> int:
        value = raw.get(name)
        return value if isinstance(value, int) else 0

    done = raw.get("d")
    return AppointmentSession(
        number=number("n"),
        id_type=str(raw.get("t", "")),
        id_number=str(raw.get("i", "")),
        verified_until=number("v"),
        code_sent_at=number("s"),
        notice=str(raw.get("m", "")),
        done={str(k): str(v) for k, v in done.items()} if isinstance(done, dict) else None,
    )


def session_save(response: HttpResponseBase, session: AppointmentSession) -> None:
    payload: dict[str, Any] = {
        "n": session.number,
        "t": session.id_type,
        "i": session.id_number,
        "v": session.verified_until,
        "s": session.code_sent_at,
    }
    if session.notice:
        payload["m"] = session.notice
    if session.done:
        payload["d"] = session.done
    response.set_cookie(
        COOKIE,
        cipher().encrypt(json.dumps(payload, separators=(",", ":")).encode()).decode(),
        max_age=MAX_AGE,
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def session_clear(response: HttpResponseBase) -> None:
    response.delete_cookie(COOKIE, path=PATH, samesite="Lax")
