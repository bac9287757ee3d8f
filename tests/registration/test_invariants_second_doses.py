"""The invariant check sees what would be wrong with second doses: a count off the log, an
overbooked second-dose slot, a second dose outside its first's range."""

import datetime

from pytest_django.fixtures import Settings as SettingsWrapper

from devstack.people import booking_request
from registration.services import booking_create
from tests.slots import SlotMaker
from vaksin import store
from vaksin.invariants import store_problems
from vaksin.store import keys


def test_a_clean_store_of_two_dose_bookings_has_no_problems(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=3)
    for i in range(3):
        booking_create(request=booking_request(i, location="WTCKL", date=day))
    assert store_problems() == []


def test_a_second_dose_counter_off_the_log_is_reported(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=2)
    second = booking_create(request=booking_request(1, location="WTCKL", date=day)).second_date
    field = keys.slot_field("WTCKL", second)
    store.client().hincrby(keys.BOOKED2, field, 1)  # 2 of its 2 places, with 1 booking

    assert store_problems() == [
        f"{field}: counter says 2 second doses booked, the log and the offers hold 1"
    ]
    store.client().hset(keys.CAPACITY2, field, 1)
    assert f"{field}: second doses overbooked, 2 booked of 1" in store_problems()


def test_a_second_dose_outside_its_first_s_range_is_reported(
    make_slot: SlotMaker, settings: SettingsWrapper
) -> None:
    day = make_slot(capacity=2)
    confirmation = booking_create(request=booking_request(1, location="WTCKL", date=day))
    gap = (datetime.date.fromisoformat(confirmation.second_date) - day).days
    settings.DOSE_INTERVAL_DAYS = (gap + 1, gap + 7)  # the rule changed under the booking

    assert any("outside DOSE_INTERVAL_DAYS" in problem for problem in store_problems())
