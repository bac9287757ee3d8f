"""What a browser has proved about a phone: the phone it verified and until when, and the phone
a code was last sent to. One encrypted cookie of its own (vaksin/cookies.py), read by the wizard
and the waiting room alike.

The verified phone lives as long as its verification (until registration closes), so a person
who verified days before comes back at noon without a new code: while the cookie holds one, it
outlives the browser session. A code waiting to be typed is forgotten after PENDING_MAX_AGE.
"""

import time
from dataclasses import dataclass, replace

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from vaksin.cookies import EncryptedCookie, whole

COOKIE = EncryptedCookie("vaksin_phone", path="/register/")
# As long as a person may take over the wizard's answers (wizard/state.py).
PENDING_MAX_AGE = 4 * 60 * 60


@dataclass(frozen=True)
class BrowserPhone:
    phone: str = ""  # the verified phone (E.164) bookings are made from
    phone_until: int = 0  # when its verification lapses (Unix seconds)
    pending: str = ""  # the phone a code was last sent to and not yet confirmed
    sent_at: int = 0  # when that code was sent

    def code_sent(self, phone: str, *, at: int) -> "BrowserPhone":
        return replace(self, pending=phone, sent_at=at)

    def verified(self, phone: str, *, until: int) -> "BrowserPhone":
        return BrowserPhone(phone=phone, phone_until=until)


def browser_phone_load(request: HttpRequest) -> BrowserPhone:
    """The phone state of the request's cookie; nothing when absent or tampered with. A lapsed
    verification is dropped, and a code sent over PENDING_MAX_AGE ago."""
    found = COOKIE.read(request)
    if found is None:
        return BrowserPhone()
    raw, age = found
    until = whole(raw.get("x"))
    verified = str(raw.get("v", "")) if until > time.time() else ""
    pending = age <= PENDING_MAX_AGE and bool(raw.get("p"))
    return BrowserPhone(
        phone=verified,
        phone_until=until if verified else 0,
        pending=str(raw.get("p", "")) if pending else "",
        sent_at=whole(raw.get("t")) if pending else 0,
    )


def browser_phone_save(response: HttpResponseBase, state: BrowserPhone) -> None:
    payload: dict[str, object] = {}
    if state.pending:
        payload |= {"p": state.pending, "t": state.sent_at}
    if state.phone:
        payload |= {"v": state.phone, "x": state.phone_until}
    if not payload:
        COOKIE.clear(response)
        return
    # A verified phone is kept until it lapses, across browser restarts; a code, for the session.
    keep_for = state.phone_until - int(time.time()) if state.phone else None
    COOKIE.write(response, payload, max_age=keep_for)
