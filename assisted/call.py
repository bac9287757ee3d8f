"""One helpline call, kept in the member of staff's own (server-side) session between the
helpline page's steps: the number a code went to, the phone it proved (or the call's line
without one), the person's language, and the booking made, for the printable confirmation.
Never the ID number: the answers are posted again with each try."""

import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.http import HttpRequest

SESSION_KEY = "assisted_call"


@dataclass(frozen=True)
class HelplineCall:
    pending: str = ""  # E.164: a code was sent to it, not yet read out
    phone: str = ""  # E.164 once proved, or a phoneless line (assisted/phoneless.py)
    phone_until: int = 0  # Unix seconds: the proof lasts as long as the wizard's
    lang: str = "en"
    done: dict[str, Any] | None = None  # the last booking made on this call

    @property
    def booking_phone(self) -> str:
        """The phone to book from, while its proof lasts; "" when there is none."""
        return self.phone if self.phone and self.phone_until > time.time() else ""

    def with_(self, **changes: Any) -> "HelplineCall":
        return replace(self, **changes)


def call_load(request: HttpRequest) -> HelplineCall:
    raw = request.session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return HelplineCall()
    known = {key: raw[key] for key in HelplineCall.__dataclass_fields__ if key in raw}
    return HelplineCall(**known)


def call_save(request: HttpRequest, call: HelplineCall) -> None:
    request.session[SESSION_KEY] = asdict(call)
