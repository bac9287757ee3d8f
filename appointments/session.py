"""What /appointment/ remembers between its pages, in one encrypted cookie of its own.

After a look-up the cookie names the booking (its number and the person's ID), never in a
URL; once the code sent to the booking's phone has been typed, it also says until when that
proof lasts (APPOINTMENT_SESSION_MINUTES). Kept by vaksin/cookies.py, like the wizard's, and
limited to /appointment/.
"""

import time
from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from vaksin.cookies import EncryptedCookie, strings, whole

COOKIE = EncryptedCookie("vaksin_appointment", path="/appointment/")
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
    found = COOKIE.read(request)
    if found is None or found[1] > MAX_AGE:
        return AppointmentSession()
    raw, _ = found
    done = raw.get("d")
    return AppointmentSession(
        number=whole(raw.get("n")),
        id_type=str(raw.get("t", "")),
        id_number=str(raw.get("i", "")),
        verified_until=whole(raw.get("v")),
        code_sent_at=whole(raw.get("s")),
        notice=str(raw.get("m", "")),
        done=strings(done) if isinstance(done, dict) else None,
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
    COOKIE.write(response, payload, max_age=MAX_AGE)


def session_clear(response: HttpResponseBase) -> None:
    COOKIE.clear(response)
