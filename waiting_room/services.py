"""The waiting room: whether it is on, a phone's place in it, and what everyone may see.

From WAITING_ROOM_OPENS_AT a verified phone takes one ticket (every tab and device of the
phone gets the same one), appended to the log of tickets whose chained head is published.
Tickets taken before the opening (REGISTRATION_OPENS_AT) are ordered by the draw (draw.py),
whose seed's hash operators publish before the opening and whose seed they reveal at it
(`manage.py waiting_room_draw --commit`, `--reveal`); later tickets queue in arrival order.
Admission runs from the reveal at the rate operators set (or the automatic mode's); an admitted
ticket may book for ADMISSION_MINUTES, checked by the booking script itself
(vaksin/store/lua/registration/book.lua).
"""

import datetime
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from availability.cache import MicroCache
from availability.selectors import availability_snapshot
from vaksin.store import keys
from vaksin.store.queue import (
    QueueReading,
    QueueRules,
    queue_chain_advance,
    queue_chain_state,
    queue_seed,
    queue_step,
)
from vaksin.switches import waiting_room_off

# The shared part every waiting person polls: one recomputation a second across all workers.
PUBLIC = MicroCache("queue", ttl=1.0)
logger = logging.getLogger(__name__)
# A room left uncommitted is logged at most this often by each process (each scrape of /metrics
# and each dashboard view would log it again).
UNCOMMITTED_LOG_SECONDS = 60.0
_uncommitted_logged_at = -UNCOMMITTED_LOG_SECONDS


def room_on(now: datetime.datetime | None = None) -> bool:
    """Whether booking needs an admission now."""
    opens = settings.WAITING_ROOM_OPENS_AT
    return bool(opens and (now or timezone.now()) >= opens and not waiting_room_off())


class NoWaitingRoom(Exception):
    """WAITING_ROOM_OPENS_AT is not set."""


def room_opening() -> datetime.datetime:
    """When admission starts: registration's opening (or the room's, with no opening set)."""
    opening = settings.REGISTRATION_OPENS_AT or settings.WAITING_ROOM_OPENS_AT
    if opening is None:
        raise NoWaitingRoom
    return opening


def queue_applies(now: datetime.datetime | None = None) -> bool:
    """Whether the wizard sends a verified phone to wait its turn: while the room is on and
    places are left. Once every place is gone there is nothing to queue for, and the wizard is
    open to everyone to join a full date's waiting list (whose offers need no turn); a place
    that comes back goes to those lists first (waitlist/services.py)."""
    return room_on(now) and not places_gone()


def pass_ms() -> int:
    return settings.ADMISSION_MINUTES * 60_000


def room_rules() -> QueueRules:
    return QueueRules(
        opening_ms=int(room_opening().timestamp() * 1000),
        pass_ms=pass_ms(),
        rate=settings.WAITING_ROOM_RATE,
        auto_target=settings.WAITING_ROOM_AUTO_TARGET,
    )


def booking_pass_ms(now: datetime.datetime | None = None) -> int | None:
    """What the booking script must check a pass against: None when the room is off."""
    return pass_ms() if room_on(now) else None


@dataclass(frozen=True)
class Standing:
    """Where one phone stands in the waiting room."""

    ticket: int | None
    position: int | None  # None before the opening's draw (or without a ticket)
    ahead: int | None
    estimated_wait_seconds: int | None
    estimated_at: datetime.datetime
    admitted: bool
    admitted_until: datetime.datetime | None
    commitment: str
    opening: datetime.datetime
    holder: str  # the phone's name in the log of tickets (a keyed HMAC, not the number)
    log_head: str

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "position": self.position,
            "ahead": self.ahead,
            "estimated_wait_seconds": self.estimated_wait_seconds,
            "estimated_at": self.estimated_at.isoformat(timespec="seconds"),
            "admitted": self.admitted,
            "admitted_until": (
                self.admitted_until.isoformat(timespec="seconds") if self.admitted_until else None
            ),
            "commitment": self.commitment,
            "holder": self.holder,
            "log_head": self.log_head,
        }


def _standing(reading: QueueReading, now: datetime.datetime, phone: str) -> Standing:
    position, through = reading.position, reading.through
    until = (
        datetime.datetime.fromtimestamp((reading.admitted_at_ms + pass_ms()) / 1000, datetime.UTC)
        if reading.admitted_at_ms is not None
        else None
    )
    admitted = bool(until and now < until)
    waiting = position is not None and position > through
    return Standing(
        ticket=reading.ticket,
        position=position,
        ahead=max(position - through - 1, 0) if position is not None else None,
        estimated_wait_seconds=(
            math.ceil((position - through) / max(reading.rate, 0.001))
            if waiting and position is not None
            else (0 if position is not None else None)
        ),
        estimated_at=now,
        admitted=admitted,
        admitted_until=timezone.localtime(until) if until else None,
        commitment=reading.commitment,
        opening=room_opening(),
        holder=keys.bucketed_name(*keys.ticket_key(phone)),
        log_head=reading.head,
    )


def queue_join(*, phone: str, now: datetime.datetime | None = None) -> Standing:
    """This phone's ticket, taken now if it holds none (or if its turn is over). Raises
    StoreError when Redis cannot be reached."""
    now = now or timezone.now()
    return _standing(queue_step(room_rules(), action="join", phone=phone), now, phone)


def queue_standing(*, phone: str, now: datetime.datetime | None = None) -> Standing:
    """Where this phone stands, taking no ticket."""
    now = now or timezone.now()
    return _standing(queue_step(room_rules(), action="status", phone=phone), now, phone)


def queue_rate_write(rate: float) -> QueueReading:
    """Admission runs at `rate` tickets a second from now (the automatic mode ends)."""
    return queue_step(room_rules(), action="rate", value=str(rate))


def queue_mode_write(mode: str) -> QueueReading:
    """ "auto": the rate follows the origin's booking rate; "set": it stays as it is."""
    if mode not in ("auto", "set"):
        raise ValueError(mode)
    return queue_step(room_rules(), action="mode", value=mode)


def queue_reading() -> QueueReading:
    """The room now (advancing admission if it is due, and the log's chain), for operators and
    for GET /api/queue, which everyone polls: so the published head is a second behind at
    most."""
    queue_chain_advance()
    return queue_step(room_rules(), action="tick")


def room_uncommitted(reading: QueueReading, now: datetime.datetime | None = None) -> bool:
    """Whether the room is on (WAITING_ROOM_OPENS_AT has passed) and operators never committed
    to a seed: admission waits for a reveal that can only come after a commitment, so nobody
    would be let in and nothing else would say so. The metric, the alert and the dashboard
    say it out loud, and it is logged (at most once a minute by each process)."""
    uncommitted = room_on(now) and not reading.commitment
    if uncommitted:
        global _uncommitted_logged_at
        if time.monotonic() - _uncommitted_logged_at >= UNCOMMITTED_LOG_SECONDS:
            _uncommitted_logged_at = time.monotonic()
            logger.error(
                "waiting room open and its seed never committed: nobody is admitted; run "
                "manage.py waiting_room_draw --commit (--late after the opening), then --reveal",
                extra={"event": "waiting_room_uncommitted", "tickets": reading.issued},
            )
    return uncommitted


def places_gone() -> bool:
    """Every place offered is booked (the listing, at most a second old)."""
    slots = [
        slot
        for state in availability_snapshot().data["states"]
        for location in state["locations"]
        for slot in location["slots"]
    ]
    return bool(slots) and not any(slot["available"] for slot in slots)


def queue_seed_revealed(now: datetime.datetime | None = None) -> str | None:
    """The draw's seed, once operators have revealed it at the opening (never in Redis
    before)."""
    return queue_seed() if (now or timezone.now()) >= room_opening() else None


def queue_public(now: datetime.datetime | None = None) -> dict[str, Any]:
    """The body of GET /api/queue: how far admission has reached, for everyone."""
    now = now or timezone.now()
    reading = queue_reading()
    opening = room_opening()
    return {
        "admitted_through": reading.through,
        "rate_per_second": round(reading.rate, 2),
        "commitment": reading.commitment,
        "seed": queue_seed_revealed(now),
        "opens_at": timezone.localtime(opening).isoformat(timespec="seconds"),
        "sold_out": places_gone(),
        "drawn_tickets": reading.drawn,
        # Read together: the head and the number of tickets it seals.
        **dict(zip(("log_head", "log_tickets"), queue_chain_state(), strict=True)),
        "draw_head": reading.drawn_head or None,
        "as_of": timezone.localtime(now).isoformat(timespec="seconds"),
    }
