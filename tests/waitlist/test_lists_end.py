"""A waiting list ends with its date: the sweep closes it (offers let go, waiters forgotten), and
a list whose keys expired first, with no sweep running, is still closed with its counts right."""

import datetime
import time

from django.utils import timezone

from devstack.people import book_someone, mykad, new_phone
from registration.services import booking_cancel, booking_request_clean
from tests.slots import SlotMaker
from vaksin import store
from vaksin.invariants import store_problems
from vaksin.store import keys, slots, waitlist
from waitlist.services import waitlist_join, waitlist_sweep_once, waitlists_close_ended


def _wait_for(day: datetime.date, count: int) -> None:
    """`count` people join `day`'s list (full, its one place booked); the place is then freed,
    so the first holds an offer."""
    reference = book_someone(location="WTCKL", date=day)
    for _ in range(count):
        waitlist_join(
            request=booking_request_clean(
                id_type="mykad", id_number=mykad(), name="Lim", phone=new_phone(), email="",
                location="WTCKL", date=day.isoformat(), today=timezone.localdate(),
            ),
            verified_until=int(time.time()) + 7 * 86_400,
        )  # fmt: skip
    assert booking_cancel(reference=reference, by="staff:test")
    assert waitlist.held_counts()[f"WTCKL|{day}"] == 1


def _day_after(day: datetime.date) -> int:
    """A second into the day after `day`, in Malaysia, as Unix seconds."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 0, 1))
    return int(timezone.make_aware(start).timestamp())


def test_the_sweep_closes_a_list_once_its_date_is_over(make_slot: SlotMaker, tomorrow) -> None:
    day = make_slot(capacity=1)
    later = make_slot(capacity=1, date=tomorrow + datetime.timedelta(days=1))
    _wait_for(day, 3)
    _wait_for(later, 2)

    # A day on, each offer has lapsed to the next in line; the date is not over yet.
    assert waitlist_sweep_once(now=_day_after(day) - 2) == (2, 2)
    assert waitlist.waitlist_slots() == [f"WTCKL|{day}", f"WTCKL|{later}"]

    waitlist_sweep_once(now=_day_after(day))

    assert waitlist.waitlist_slots() == [f"WTCKL|{later}"]
    client = store.client()
    assert not client.exists(keys.waiters_key(f"WTCKL|{day}"), keys.waitlist_key(f"WTCKL|{day}"))
    assert waitlist.held_counts() == {f"WTCKL|{later}": 1}
    assert slots.read_booked_counts()[f"WTCKL|{day}"] == 0  # the held place let go
    # Only the later list's one waiter left (its first lapsed) keeps its waiting places: one
    # for the person, one for the phone.
    places = [client.get(key) for key in client.scan_iter(match=f"{keys.PREFIX}:waiting-*")]
    assert len(places) == 2 and all(f"WTCKL|{later}" in place for place in places)
    assert store_problems() == []


def test_a_list_whose_keys_expired_first_is_closed_with_its_counts_right(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=1)
    slot = f"WTCKL|{day}"
    _wait_for(day, 2)
    client = store.client()
    # What the keys' own expiry does when no sweep ran for a day after the date.
    client.delete(keys.waiters_key(slot), keys.waitlist_key(slot), keys.offer_key(slot))

    assert waitlists_close_ended(today=day + datetime.timedelta(days=1)) == (1, 0)

    assert waitlist.waitlist_slots() == [] and waitlist.held_counts() == {}
    assert slots.read_booked_counts() == {slot: 0}
    assert store_problems() == []
