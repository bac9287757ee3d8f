"""Whether a person can book now, and if not why, told apart before anyone spends a code:
not open yet (the configured opening), paused (operators closed registration by hand, the
admin's switch: it reopens within minutes), closed (the configured close has passed) or sold
out (open, but every place offered is booked: a waiting list is what is left)."""

from typing import Literal

from vaksin import store
from vaksin.switches import registration_override
from vaksin.window import registration_state
from waiting_room.services import places_gone

RegistrationStatus = Literal["not_yet_open", "open", "paused", "closed", "sold_out"]


def registration_status() -> RegistrationStatus:
    if registration_override() == "closed":
        return "paused"
    state = registration_state()
    if state != "open":
        return state
    try:
        return "sold_out" if places_gone() else "open"
    except store.StoreError:
        return "open"  # the listing is for display only: the booking script decides
