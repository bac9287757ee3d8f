"""The waiting lists of full slots: joining one, the sweep that offers freed places and lets
lapsed offers go, and the acceptance of an offer (which books through
lua/registration/book.lua itself)."""

import json
from dataclasses import dataclass
from typing import Any

from vaksin.store import keys
from vaksin.store.bookings import BookingArgs, BookingOutcome, book_run, booking_outcome
from vaksin.store.connection import answering, client, run_script


@dataclass(frozen=True)
class JoinOutcome:
    """What the joining script decided: "waiting" (with the position in line, 0 when a place
    is offered to this phone now), "available" (a place is free: book it instead),
    "already_registered" or "unknown_slot"."""

    outcome: str
    position: int = 0


def waiter_name(phone: str) -> str:
    """How a phone stands in a waiting list: its keyed name, never the number itself."""
    bucket, field = keys.phone_key(phone)
    return keys.bucketed_name(bucket, field)


# What a waiter's record keeps of the booking they asked for: what an offer of theirs books.
ASKED_FIELDS = ("id_type", "id_number", "name", "phone", "email", "location", "date", "lang")


def waitlist_join(booking: BookingArgs) -> JoinOutcome:
    """Puts the booking's phone in line for its slot, for this person (what the booking would
    book is what an offer books); see lua/waitlist/join.lua."""
    slot = keys.slot_field(booking.location, booking.date)
    person_bucket, person_field = keys.person_key(booking.id_type, booking.id_number)
    asked = {name: getattr(booking, name) for name in ASKED_FIELDS}
    asked |= {"person_bucket": person_bucket, "person_field": person_field}
    reply = run_script(
        "waitlist/join",
        keys=[keys.CAPACITY, keys.BOOKED, keys.CENTRES, person_bucket, *keys.waitlist_keys(slot)],
        args=[
            slot,
            booking.location,
            waiter_name(booking.phone),
            json.dumps(asked, ensure_ascii=False, separators=(",", ":")),
            person_field,
        ],
    )
    if reply[0] == "waiting":
        return JoinOutcome("waiting", position=int(reply[1]))
    return JoinOutcome(str(reply[0]))


def waitlist_sweep(*, slot: str, offer_seconds: int) -> tuple[int, int]:
    """Lets one slot's lapsed offers go and offers its free places; returns (lapsed, offered)."""
    reply = run_script(
        "waitlist/sweep",
        keys=[keys.CAPACITY, keys.BOOKED, keys.BOOKINGS, *keys.waitlist_keys(slot)],
        args=[slot, offer_seconds],
    )
    return int(reply[0]), int(reply[1])


def waitlist_slots() -> list[str]:
    """The slots to sweep: those with a waiting list or a live offer."""
    with answering():
        return sorted(client().smembers(keys.WAITING_SLOTS))


def waiter_read(*, slot: str, waiter: str) -> dict[str, str] | None:
    """What a waiter asked to book, and when their live offer lapses (field "until"), or None
    when they have no live offer for this slot."""
    pipe = client().pipeline(transaction=False)
    pipe.hget(keys.waiters_key(slot), waiter).hget(keys.offer_key(slot), waiter)
    with answering():
        asked, until = pipe.execute()
    if asked is None or until is None:
        return None
    found: dict[str, Any] = json.loads(asked)
    return {str(name): str(value) for name, value in found.items()} | {"until": str(until)}


def offer_accept(*, slot: str, waiter: str, until: int, booking: BookingArgs) -> BookingOutcome:
    """Books the place offered to `waiter` (the offer lapsing at `until`, as its SMS said);
    OFFER_GONE when it lapsed, was taken or replaced. See lua/waitlist/accept.lua."""
    book_keys, book_args = booking.to_script()
    reply = book_run(
        "waitlist/accept",
        [*keys.waitlist_keys(slot), *book_keys],
        [slot, waiter, until, *book_args],
    )
    return booking_outcome(reply)


def held_counts() -> dict[str, int]:
    """Places held by live offers, per slot (they are counted as booked too)."""
    with answering():
        return {slot: int(count) for slot, count in client().hgetall(keys.HELD).items()}


def offers_made() -> int:
    """How many offers the booking log holds."""
    with answering():
        return int(client().get(keys.OFFERS_MADE) or 0)


def offer_link_save(*, code: str, slot: str, waiter: str, until: int) -> None:
    """Maps an offer's short link to the offer until the offer lapses. Saving the same link
    again (a message sent twice) changes nothing."""
    with answering():
        client().set(keys.offer_link_key(code), f"{slot}\t{waiter}\t{until}", exat=until)


def offer_link_read(code: str) -> tuple[str, str, int] | None:
    """The (slot, waiter, until) a short link stands for, or None once it lapsed or was used."""
    with answering():
        found = client().get(keys.offer_link_key(code))
    if not found:
        return None
    slot, waiter, until = str(found).split("\t")
    return slot, waiter, int(until)


def offer_link_forget(code: str) -> None:
    with answering():
        client().delete(keys.offer_link_key(code))
