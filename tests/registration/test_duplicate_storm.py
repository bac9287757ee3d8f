"""One person pressing submit in 100 tabs at once, across several centres: one booking."""

import threading
from concurrent.futures import ThreadPoolExecutor

from devstack.people import booking_request
from registration.services import booking_create
from vaksin.errors import BookingError
from vaksin.invariants import store_problems
from vaksin.store import slots

TABS = 100
CENTRES = ["WTCKL", "UM", "UKM", "IDCC"]


def test_one_person_in_a_hundred_tabs_gets_exactly_one_booking(make_slot, settings) -> None:
    settings.RATE_LIMIT_PER_ID = 0  # let all 100 reach the script, not the rate limits
    settings.RATE_LIMIT_PER_PHONE = 0
    date = {make_slot(location=centre, capacity=50) for centre in CENTRES}.pop().isoformat()
    barrier = threading.Barrier(TABS)

    def tab(i: int) -> str:
        barrier.wait()
        try:
            confirmation = booking_create(
                request=booking_request(7, location=CENTRES[i % len(CENTRES)], date=date)
            )
        except BookingError as error:
            return error.code
        return "booked" if confirmation.created else f"repeat {confirmation.reference}"

    with ThreadPoolExecutor(TABS) as pool:
        outcomes = list(pool.map(tab, range(TABS)))

    booked = slots.read_slots().booked
    assert outcomes.count("booked") == 1
    assert sum(int(count) for count in booked.values()) == 1
    # Tabs for the same centre see their own booking again; the others are told they hold one.
    assert all(
        o == "booked" or o.startswith("repeat") or o == "already_registered" for o in outcomes
    )
    assert len({o for o in outcomes if o.startswith("repeat")}) <= 1
    assert store_problems() == []
