"""A freed first-dose place goes with a second: a waiting-list offer holds both, its booking
takes both, and a lapsed offer lets both go. A slot with first-dose places but no second dose
left in range is full for the waiting list too: nobody is offered a place they could not book.
"""

import datetime
import time

from availability.services import slot_set_capacity
from devstack.people import book_someone, mykad, new_phone
from registration.services import BookingRequest, booking_create, booking_request_clean
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, slots, waitlist
from waitlist.services import offer_accept, offer_link, offer_read, waitlist_join


def _request(day: datetime.date) -> BookingRequest:
    return booking_request_clean(
        id_type="mykad",
        id_number=mykad(),
        name="Siti Nurhaliza",
        phone=new_phone(),
        email="",
        location="WTCKL",
        date=day.isoformat(),
        today=datetime.date.today(),
    )


def _join(request: BookingRequest) -> int:
    return waitlist_join(request=request, verified_until=int(time.time()) + 3600).position


def _second_slot(day: datetime.date) -> str:
    return keys.slot_field("WTCKL", (day + datetime.timedelta(days=56)).isoformat())


def _pair_starved(make_slot) -> datetime.date:
    """A date with first-dose places left and its one second-dose place taken."""
    day = make_slot(capacity=3)
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=56), capacity=1, dose=2)
    book_someone(location="WTCKL", date=day)
    return day


def test_a_date_without_second_doses_is_sold_out_and_its_waiters_wait(make_slot) -> None:
    day = _pair_starved(make_slot)
    first = _request(day)
    try:
        booking_create(request=first)
    except BookingError as error:
        assert error.code == "sold_out"
    else:
        raise AssertionError("a first dose was booked without a second")

    assert _join(first) == 1  # not "available": the date cannot be booked
    assert waitlist.waitlist_sweep(slot=f"WTCKL|{day}", offer_seconds=600) == (0, 0)
    assert slots.read_booked_counts() == {f"WTCKL|{day}": 1}
    assert store_problems() == []


def test_an_offer_holds_a_second_dose_and_its_booking_takes_both(make_slot) -> None:
    day = _pair_starved(make_slot)
    waiter = _request(day)
    _join(waiter)
    # A second-dose place frees (operators add one): the waiter is offered the pair at once.
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=56), capacity=2, dose=2)
    assert waitlist.waitlist_sweep(slot=f"WTCKL|{day}", offer_seconds=600) == (0, 1)
    counts = slots.read_slots()
    assert counts.booked2[_second_slot(day)] == 2  # one booked, one held by the offer

    # Someone racing for the date cannot take the held second dose.
    try:
        booking_create(request=_request(day))
    except BookingError as error:
        assert error.code == "sold_out"
    else:
        raise AssertionError("the offer's second dose was taken")

    entry = next(
        fields
        for _, fields in bookings.read_entries(after=0, count=1000)
        if fields["kind"] == "offered"
    )
    link = offer_link(slot=f"WTCKL|{day}", waiter=entry["waiter"], until=int(entry["until"]))
    offer = offer_read(link[-10:])
    assert offer is not None
    booked = offer_accept(offer=offer)

    assert booked.second_date == (day + datetime.timedelta(days=56)).isoformat()
    counts = slots.read_slots()
    assert counts.booked2[_second_slot(day)] == 2  # both booked now, none held
    assert counts.booked[f"WTCKL|{day}"] == 2
    assert store_problems() == []


def test_a_lapsed_offer_lets_both_places_go(make_slot) -> None:
    day = _pair_starved(make_slot)
    _join(_request(day))
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=56), capacity=2, dose=2)
    waitlist.waitlist_sweep(slot=f"WTCKL|{day}", offer_seconds=600)

    lapsed, offered = waitlist.waitlist_sweep(
        slot=f"WTCKL|{day}", offer_seconds=600, now=int(time.time()) + 601
    )

    assert (lapsed, offered) == (1, 0)
    counts = slots.read_slots()
    assert counts.booked2[_second_slot(day)] == 1
    assert counts.booked[f"WTCKL|{day}"] == 1
    assert store_problems() == []
