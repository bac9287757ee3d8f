"""The waiting list of a full date: joining it from the wizard, the SMS offer of a freed place,
and its acceptance; and the sweep that lets lapsed offers go to the next in line.

A place freed on a date with a waiting list (a cancellation, a change of date, a capacity
raised) is held for the next verified phone in line, OFFER_MINUTES long, and offered to it by
SMS with a short link (/o/ and ten characters: a signed link of some 150 would cost every offer
an SMS part more). Accepting books the place through the booking script itself
(vaksin/store/lua/waitlist/accept.lua), so one person still holds one booking. An offer not
taken lapses and the place goes to the next in line (`manage.py waitlist_sweep --loop`).

Fair lists: a person, and a phone, wait on one list at a time (joining another moves them off
the first, and the page says from where); only a phone still verified is offered a place; and a
list's personal data goes when its date is over (the sweep closes it; its keys expire a day
later should the sweep not run; purge_personal_data closes it too and purges its offers).
"""

import contextlib
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from registration.references import reference_for
from registration.services import BookingConfirmation, BookingRequest, booking_args
from vaksin.errors import BookingError
from vaksin.runloop import run_until_stopped
from vaksin.store import StoreError, metrics, slots, waitlist
from vaksin.window import registration_state

OFFER_LINK_SALT = "vaksin.waitlist-offer-link"
# Ten characters of 32 (50 bits), lower case and no look-alikes: unguessable while an offer
# lives, and short enough for an SMS.
OFFER_LINK_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
OFFER_LINK_LENGTH = 10
# A list's personal data is kept until the end of its date (Malaysian time) and this long
# after: the sweep closes a list once its date is over, and the keys' own expiry is only the
# backstop for a sweep that did not run, so it must not come before the sweep's turn.
LIST_MARGIN = datetime.timedelta(days=1)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Joined:
    """A place in line: its position (0: a place is offered now) and the lists, as (centre id,
    date), that this phone was on and has left for this one."""

    position: int
    left: list[tuple[str, str]] = field(default_factory=list)


def list_expires_at(date: str) -> int:
    """When the personal data of `date`'s waiting lists expires (Unix seconds): the end of that
    day in Malaysia, and LIST_MARGIN."""
    day_after = datetime.date.fromisoformat(date) + datetime.timedelta(days=1)
    end = timezone.make_aware(datetime.datetime.combine(day_after, datetime.time()))
    return int((end + LIST_MARGIN).timestamp())


def waitlist_join(
    *, request: BookingRequest, verified_until: int, now: int | None = None
) -> Joined:
    """Puts the request's phone in line for its full slot, off any other list the person or the
    phone was on. `verified_until` is when the phone's verification lapses (Unix seconds: the
    wizard's cookie or the API's token says it); a phone not verified now is refused, and one
    whose verification has lapsed by the time a place frees is passed over. Raises
    BookingError: "phone_unverified", "available" (book it instead), "already_registered",
    "unknown_slot", "closed" or "unavailable"."""
    if registration_state() != "open":
        raise BookingError("closed")
    try:
        outcome = waitlist.waitlist_join(
            booking_args(request),
            verified_until=verified_until,
            expires_at=list_expires_at(request.date),
            offer_seconds=settings.OFFER_MINUTES * 60,
            now=now,
        )
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    _counted(f"join_{outcome.outcome}")
    _counted("moved", len(outcome.left))
    if outcome.outcome != "waiting":
        raise BookingError(outcome.outcome)
    left = [(location, date) for location, _, date in (s.partition("|") for s in outcome.left)]
    return Joined(position=outcome.position, left=left)


def _counted(event: str, count: int = 1) -> None:
    """Counts a waiting-list event for operators (vaksin_waitlist); offers made are counted
    by the scripts that make them."""
    if count:
        with contextlib.suppress(StoreError):
            metrics.counters_add({f"waitlist:{event}": count})


def offer_code(*, slot: str, waiter: str, until: int) -> str:
    """An offer's short code: keyed, so nobody can make one, and the same every time for the
    same offer, so a message sent twice carries the same link."""
    digest = salted_hmac(OFFER_LINK_SALT, f"{slot}|{waiter}|{until}", algorithm="sha256").digest()
    number = int.from_bytes(digest[:8], "big")
    letters = []
    for _ in range(OFFER_LINK_LENGTH):
        number, index = divmod(number, len(OFFER_LINK_ALPHABET))
        letters.append(OFFER_LINK_ALPHABET[index])
    return "".join(letters)


def offer_link(*, slot: str, waiter: str, until: int) -> str:
    """The link an offer's SMS carries; it works until the offer lapses or is taken."""
    code = offer_code(slot=slot, waiter=waiter, until=until)
    waitlist.offer_link_save(code=code, slot=slot, waiter=waiter, until=until)
    return settings.SITE_URL + reverse("waitlist_offer", args=[code])


@dataclass(frozen=True)
class Offer:
    code: str  # its short link's
    slot: str
    waiter: str
    until: int
    location: str
    date: str
    centre_name: str
    asked: dict[str, str]

    @property
    def ends_at(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.until, tz=datetime.UTC)


def offer_read(code: str) -> Offer | None:
    """The live offer a link names, or None: made up, lapsed, taken, or replaced."""
    if len(code) != OFFER_LINK_LENGTH or not set(code) <= set(OFFER_LINK_ALPHABET):
        return None
    found = waitlist.offer_link_read(code)
    if found is None:
        return None
    slot, waiter, until = found
    if until <= time.time():
        return None
    asked = waitlist.waiter_read(slot=slot, waiter=waiter)
    if asked is None or asked["until"] != str(until):
        return None
    centre = slots.read_centre(asked["location"])
    return Offer(
        code=code,
        slot=slot,
        waiter=waiter,
        until=until,
        location=asked["location"],
        date=asked["date"],
        centre_name=centre.name if centre else asked["location"],
        asked=asked,
    )


def offer_accept(*, offer: Offer) -> BookingConfirmation:
    """Books the offered place for the person who asked, or raises BookingError: "offer_gone",
    "closed", "already_registered", "phone_limit", "rate_limited" or "unavailable"."""
    if registration_state() != "open":
        raise BookingError("closed")
    asked = offer.asked
    try:
        outcome = waitlist.offer_accept(
            slot=offer.slot,
            waiter=offer.waiter,
            until=offer.until,
            booking=booking_args(
                BookingRequest(**{name: asked[name] for name in waitlist.ASKED_FIELDS})
            ),
        )
    except StoreError:
        raise BookingError("unavailable", retry_after=2) from None
    _counted("accepted" if outcome.outcome == "booked" else f"accept_{outcome.outcome}")
    if outcome.outcome != "booked":
        raise BookingError(outcome.outcome, retry_after=outcome.retry_after)
    # Used once: the offer is gone now anyway, and so is its link.
    with contextlib.suppress(StoreError):
        waitlist.offer_link_forget(offer.code)
    return BookingConfirmation(
        reference=reference_for(outcome.number),
        location=asked["location"],
        date=asked["date"],
        arrival_window=outcome.window,
        created=True,
        second_date=outcome.second_date,
        second_window=outcome.second_window,
    )


def waitlist_sweep_once(*, now: int | None = None) -> tuple[int, int]:
    """Every waiting list, looked at once: returns (offers lapsed, offers made). A list whose
    date is over is closed instead (waitlists_close_ended). `now` (Unix seconds) for tests."""
    lapsed = offered = 0
    today = timezone.localdate(
        None if now is None else datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    )
    waitlists_close_ended(today=today)
    for slot in waitlist.waitlist_slots():
        if _slot_date(slot) < today.isoformat():
            continue  # closed just now, or its date ended a moment ago: the next sweep's
        gone, made = waitlist.waitlist_sweep(
            slot=slot, offer_seconds=settings.OFFER_MINUTES * 60, now=now
        )
        lapsed, offered = lapsed + gone, offered + made
    _counted("lapsed", lapsed)
    return lapsed, offered


def waitlists_close_ended(*, today: datetime.date) -> tuple[int, int]:
    """Closes every waiting list dated before `today`: their offers end and their waiters are
    forgotten with their personal data. Returns (offers ended, waiters forgotten)."""
    ended = forgotten = 0
    for slot in waitlist.waitlist_slots():
        if _slot_date(slot) < today.isoformat():
            offers, waiters = waitlist.waitlist_close(slot=slot)
            ended, forgotten = ended + offers, forgotten + waiters
    _counted("ended", forgotten)
    return ended, forgotten


def _slot_date(slot: str) -> str:
    return slot.rpartition("|")[2]


def waitlist_sweep_run(
    *, interval: float = 1.0, should_stop: Callable[[], bool] = lambda: False
) -> tuple[int, int]:
    """Sweeps every `interval` seconds until should_stop(); waits out a Redis outage."""
    swept = [0, 0]

    def step() -> float:
        gone, made = waitlist_sweep_once()
        swept[0], swept[1] = swept[0] + gone, swept[1] + made
        return interval

    run_until_stopped(step, name="waitlist sweep", should_stop=should_stop)
    return swept[0], swept[1]


def offer_until_text(until: int) -> str:
    """When an offer lapses, as its SMS says it: "HH:MM" in Malaysian time."""
    moment = datetime.datetime.fromtimestamp(until, tz=datetime.UTC)
    return timezone.localtime(moment).strftime("%H:%M")
