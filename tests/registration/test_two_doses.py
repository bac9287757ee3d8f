"""Two doses in one booking, through every step that handles a booking: booked together, shown
again on a repeat, cancelled together, moved together (or the second alone within its range),
kept by a transfer; the listing offers a date only with a second dose; seed_slots's dose
column; one dose when DOSE_INTERVAL_DAYS is 0."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from appointments.services import appointment_current, appointment_move, appointment_move_second
from availability.selectors import availability_listing
from availability.services import CapacityError, slot_set_capacity
from devstack.people import booking_request
from registration.references import number_for
from registration.services import booking_cancel, booking_create
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import bookings, keys, slots


def _days(day: datetime.date, n: int) -> str:
    return (day + datetime.timedelta(days=n)).isoformat()


def _book(i: int, day: datetime.date, location: str = "WTCKL"):
    return booking_create(request=booking_request(i, location=location, date=day))


def _held(confirmation):
    number = number_for(confirmation.reference) or 0
    entry = bookings.read_entry(number) or {}
    found = appointment_current(number=number, id_type="mykad", id_number=entry["id_number"])
    assert found is not None
    return found


def test_a_booking_takes_the_earliest_second_dose_in_range_and_a_repeat_shows_it(
    make_slot,
) -> None:
    day = make_slot(capacity=5)
    # Nothing on day 56 (the automatic place is taken away), one place on day 70.
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=56), capacity=0, dose=2)
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=70), capacity=1, dose=2)
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=80), capacity=1, dose=2)

    first = _book(1, day)
    again = _book(1, day)
    second = _book(2, day)

    assert (first.second_date, second.second_date) == (_days(day, 70), _days(day, 80))
    assert again.created is False and again.second_date == first.second_date
    assert again.second_window == first.second_window == "09:00-09:30"
    with pytest.raises(BookingError) as refused:
        _book(3, day)  # first-dose places are left, second doses are not
    assert refused.value.code == "sold_out"
    assert store_problems() == []


def test_the_listing_offers_only_first_doses_that_come_with_a_second(make_slot) -> None:
    day = make_slot(capacity=10)
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=56), capacity=3, dose=2)
    _book(1, day)
    listing = availability_listing(today=timezone.localdate(), as_of=timezone.now())
    offered = listing["states"][0]["locations"][0]["slots"]
    assert offered == [{"date": day.isoformat(), "capacity": 10, "available": 2}]
    # The second-dose date is not a first-dose date: it is not listed.
    assert len(offered) == 1


def test_cancelling_gives_back_both_places(make_slot) -> None:
    day = make_slot(capacity=2)
    booked = _book(1, day)
    second = keys.slot_field("WTCKL", booked.second_date)
    assert slots.read_slots().booked2 == {second: 1}

    assert booking_cancel(reference=booked.reference, by="staff:test")

    counts = slots.read_slots()
    assert counts.booked2[second] == 0 and counts.booked[f"WTCKL|{day}"] == 0
    cancelled = bookings.read_entry(bookings.read_last_number()) or {}
    assert cancelled["kind"] == "cancelled" and cancelled["date2"] == booked.second_date
    assert store_problems() == []


def test_a_move_takes_the_second_dose_along_into_the_new_range(make_slot) -> None:
    day = make_slot(capacity=2)
    later = make_slot(capacity=2, date=day + datetime.timedelta(days=3))
    booked = _book(1, day)

    moved = appointment_move(appointment=_held(booked), slot=f"WTCKL|{later}")

    assert moved.date == later.isoformat() and moved.second_date == _days(later, 56)
    counts = slots.read_slots()
    assert counts.booked2 == {
        keys.slot_field("WTCKL", booked.second_date): 0,
        keys.slot_field("WTCKL", moved.second_date): 1,
    }
    assert store_problems() == []


def test_a_move_with_no_second_dose_in_the_new_range_changes_nothing(make_slot) -> None:
    day = make_slot(capacity=2)
    later = make_slot(capacity=2, date=day + datetime.timedelta(days=3))
    slot_set_capacity(
        location="WTCKL", date=later + datetime.timedelta(days=56), capacity=0, dose=2
    )
    booked = _book(1, day)

    with pytest.raises(BookingError) as refused:
        appointment_move(appointment=_held(booked), slot=f"WTCKL|{later}")

    assert refused.value.code == "sold_out"
    assert _held(booked).second_date == booked.second_date
    assert store_problems() == []


def test_the_second_dose_moves_alone_within_its_range_and_nowhere_else(make_slot) -> None:
    day = make_slot(capacity=2)
    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=63), capacity=1, dose=2)
    booked = _book(1, day)

    moved = appointment_move_second(appointment=_held(booked), date=_days(day, 63))

    assert (moved.date, moved.arrival_window) == (day.isoformat(), booked.arrival_window)
    assert moved.second_date == _days(day, 63)
    for outside in (_days(day, 55), _days(day, 85)):
        with pytest.raises(BookingError) as refused:
            appointment_move_second(appointment=_held_again(moved), date=outside)
        assert refused.value.code == "unknown_slot"
    with pytest.raises(BookingError) as full:
        # Day 70 has no second-dose place at all.
        appointment_move_second(appointment=_held_again(moved), date=_days(day, 70))
    assert full.value.code == "sold_out"
    counts = slots.read_slots()
    assert counts.booked[f"WTCKL|{day}"] == 1
    assert counts.booked2[keys.slot_field("WTCKL", _days(day, 63))] == 1
    assert counts.booked2[keys.slot_field("WTCKL", _days(day, 56))] == 0
    assert store_problems() == []


def _held_again(appointment):
    found = appointment_current(
        number=appointment.number, id_type="mykad", id_number=appointment.id_number
    )
    assert found is not None
    return found


def test_the_api_answers_with_the_second_dose(client: Client, make_slot) -> None:
    from tests.registration.test_api import _post, api_body

    day = make_slot(capacity=2)
    answer = _post(client, api_body(day)).json()
    assert answer["second_dose"] == {
        "location": "WTCKL",
        "date": _days(day, 56),
        "arrival_window": "09:00-09:30",
    }


@override_settings(DOSE_INTERVAL_DAYS=None)
def test_with_one_dose_a_booking_holds_no_second(make_slot) -> None:
    day = make_slot(capacity=2)
    booked = _book(1, day)
    assert (booked.second_date, booked.as_json()["second_dose"]) == ("", None)
    assert slots.read_slots().booked2 == {}
    assert store_problems() == []


def _seed(path: Path) -> str:
    out = StringIO()
    call_command("seed_slots", "--file", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_slots_takes_a_dose_column_and_a_file_without_one_gets_second_doses(
    db, tmp_path: Path, tomorrow: datetime.date
) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(
        "state,location_id,location_name,date,capacity\n"
        f"MY-14,WTCKL,World Trade Centre,{tomorrow},100\n"
    )
    _seed(plain)
    counts = slots.read_slots()
    second = keys.slot_field("WTCKL", _days(tomorrow, 56))
    assert counts.capacity2 == {second: 100}

    doses = tmp_path / "doses.csv"
    doses.write_text(
        "state,location_id,location_name,date,capacity,dose\n"
        f"MY-14,WTCKL,World Trade Centre,{tomorrow},120,1\n"
        f"MY-14,WTCKL,World Trade Centre,{_days(tomorrow, 56)},40,2\n"
        f"MY-14,WTCKL,World Trade Centre,{_days(tomorrow, 60)},80,2\n"
    )
    _seed(doses)
    counts = slots.read_slots()
    assert counts.capacity[f"WTCKL|{tomorrow}"] == 120
    assert counts.capacity2 == {second: 40, keys.slot_field("WTCKL", _days(tomorrow, 60)): 80}

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "state,location_id,location_name,date,capacity,dose\n"
        f"MY-14,WTCKL,World Trade Centre,{tomorrow},10,3\n"
    )
    with pytest.raises(CommandError, match="dose '3' must be 1"):
        _seed(bad)


def test_a_second_dose_capacity_below_its_bookings_is_refused(make_slot) -> None:
    day = make_slot(capacity=2)
    _book(1, day)
    with pytest.raises(CapacityError, match="second-dose places already booked"):
        slot_set_capacity(
            location="WTCKL", date=day + datetime.timedelta(days=56), capacity=0, dose=2
        )
