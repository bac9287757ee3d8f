"""The waiting lists of full slots: joining one (one list at a time per person and per phone),
the sweep that offers freed places and lets lapsed offers go, the closing of a list whose date
is over, and the acceptance of an offer (which books through lua/registration/book.lua
itself)."""

import json
from dataclasses import dataclass
from typing import Any

from vaksin.store import keys
from vaksin.store.bookings import BookingArgs, BookingOutcome, book_run, booking_outcome
from vaksin.store.connection import answering, client, run_script


@dataclass(frozen=True)
class JoinOutcome:
    """What the joining script decided: "waiting" (with the position in line, 0 when a place
    is offered to this phone now, and the slots of other lists this phone was on and has left),
    "available" (a place is free: book it instead), "already_registered", "unknown_slot" or
    "phone_unverified"."""

    outcome: str
    position: int = 0
    left: tuple[str, ...] = ()


def waiter_name(phone: str) -> str:
    """How a phone stands in a waiting list: its keyed name, never the number itself."""
    bucket, field = keys.phone_key(phone)
    return keys.bucketed_name(bucket, field)


# What a waiter's record keeps of the booking they asked for: what an offer of theirs books.
ASKED_FIELDS = ("id_type", "id_number", "name", "phone", "email", "location", "date", "lang")


def waitlist_join(
    booking: BookingArgs,
    *,
    verified_until: int,
    expires_at: int,
    offer_seconds: int,
    now: int | None = None,
) -> JoinOutcome:
    """Puts the booking's phone in line for its slot, for this person (what the booking would
    book is what an offer books), off any other list the person or the phone was on; see
    lua/waitlist/join.lua. `verified_until`: when the phone's verification lapses (no offer
    after it); `expires_at`: when the list's personal data expires (Unix seconds both)."""
    slot = keys.slot_field(booking.location, booking.date)
    person_bucket, person_field = keys.person_key(booking.id_type, booking.id_number)
    person_place = keys.waiting_person_key(booking.id_type, booking.id_number)
    phone_place = keys.waiting_phone_key(booking.phone)
    asked: dict[str, str | int] = {name: getattr(booking, name) for name in ASKED_FIELDS}
    asked |= {
        "person_bucket": person_bucket,
        "person_field": person_field,
        "person_place": person_place,
        "phone_place": phone_place,
        "verified_until": verified_until,
        "expires_at": expires_at,
        # The second dose an offer holds with the first (lua/waitlist/waitlist.lua).
        "second_dates": ",".join(booking.second_dates),
        "capacity2": keys.CAPACITY2,
        "booked2": keys.BOOKED2,
        "held2_key": keys.HELD2,
        "held2": "",
    }
    reply = run_script(
        "waitlist/join",
        keys=[
            keys.CAPACITY,
            keys.BOOKED,
            keys.CENTRES,
            keys.BOOKINGS,
            person_bucket,
            *keys.waitlist_keys(slot),
            person_place,
            phone_place,
        ],
        args=[
            slot,
            booking.location,
            waiter_name(booking.phone),
            json.dumps(asked, ensure_ascii=False, separators=(",", ":")),
            person_field,
            offer_seconds,
            "" if now is None else now,
        ],
    )
    if reply[0] == "waiting":
        return JoinOutcome("waiting", position=int(reply[1]), left=tuple(map(str, reply[2:])))
    return JoinOutcome(str(reply[0]))


def waitlist_sweep(*, slot: str, offer_seconds: int, now: int | None = None) -> tuple[int, int]:
    """Lets one slot's lapsed offers go and offers its free places; returns (lapsed, offered).
    `now` (Unix seconds) for tests; Redis's clock otherwise."""
    reply = run_script(
        "waitlist/sweep",
        keys=[keys.CAPACITY, keys.BOOKED, keys.BOOKINGS, *keys.waitlist_keys(slot)],
        args=[slot, offer_seconds, "" if now is None else now],
    )
    return int(reply[0]), int(reply[1])


def waitlist_close(*, slot: str) -> tuple[int, int]:
    """Closes the list of a slot whose date is over; returns (offers ended, waiters forgotten).
    See lua/waitlist/close.lua."""
    reply = run_script(
        "waitlist/close",
        keys=[
            keys.CAPACITY,
            keys.BOOKED,
            keys.BOOKINGS,
            *keys.waitlist_keys(slot),
            keys.HELD2,
            keys.BOOKED2,
        ],
        args=[slot],
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
