"""Second doses for operators: the gauges per state on GET /metrics, and the dashboard's table
of the second doses each centre expects on the coming days, read live from Redis."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from availability.services import slot_set_capacity
from devstack.people import booking_request
from registration.doses import DoseEvent, dose_event
from registration.services import booking_create
from tests.operations.metrics_text import TOKEN, sample, scrape
from tests.slots import SlotMaker
from tests.staff import staff_login
from vaksin.store import keys, slots

DASHBOARD = reverse("admin:operations_dashboard_changelist")


@pytest.fixture(autouse=True)
def metrics_token(settings: SettingsWrapper) -> None:
    settings.METRICS_TOKEN = TOKEN


def book(i: int, day: datetime.date, location: str = "WTCKL") -> str:
    return booking_create(request=booking_request(i, location=location, date=day)).reference


def test_metrics_say_second_doses_booked_and_left_per_state(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=10)  # and 10 second-dose places 56 days later
    make_slot(location="UM", capacity=4, state="MY-10")
    references = [book(i, day) for i in range(3)]
    book(9, day, location="UM")
    dose_event(reference=references[0], event=DoseEvent.FIRST_GIVEN, by="staff:test")

    samples = scrape(client)

    assert sample(samples, "vaksin_second_doses_booked", state="MY-14") == 3
    assert sample(samples, "vaksin_second_dose_places_left", state="MY-14") == 7
    assert sample(samples, "vaksin_second_dose_places_capacity", state="MY-14") == 10
    assert sample(samples, "vaksin_second_doses_booked", state="MY-10") == 1
    assert sample(samples, "vaksin_places_left", state="MY-14") == 7  # first doses with a second
    assert sample(samples, "vaksin_doses_recorded_total", event="given_1") == 1
    assert sample(samples, "vaksin_doses_recorded_total", event="no_show_first") == 0
    # Per state, not per centre and date: no label names a centre or a day.
    labelled = {labels for name, labels in samples if name.startswith("vaksin_second_dose")}
    assert {name for labels in labelled for name, _ in labels} == {"state"}


def test_second_doses_of_past_days_are_not_counted(client: Client, make_slot: SlotMaker) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    make_slot(capacity=1)
    slot_set_capacity(location="WTCKL", date=yesterday, capacity=5, dose=2)

    samples = scrape(client)

    assert sample(samples, "vaksin_second_dose_places_capacity", state="MY-14") == 1


def operator() -> Client:
    user = User.objects.create_user("operator", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client = Client()
    staff_login(client, user)
    return client


def test_the_dashboard_shows_the_second_doses_each_centre_expects_in_the_coming_days(
    make_slot: SlotMaker, settings: SettingsWrapper
) -> None:
    settings.DOSE_INTERVAL_DAYS = (2, 3)
    today = timezone.localdate()
    day = make_slot(capacity=5, name="World Trade Centre")  # tomorrow; seconds in 3 days
    make_slot(location="FAR", capacity=5, name="Far Away Hall", date=today + timedelta(30))
    slot_set_capacity(location="WTCKL", date=day + timedelta(2), capacity=2, dose=2)
    slot_set_capacity(location="WTCKL", date=day + timedelta(3), capacity=1, dose=2)
    for i in range(3):
        book(i, day)  # two on day + 2, the earliest, and the third on day + 3
    second = keys.slot_field("WTCKL", (day + timedelta(2)).isoformat())
    assert slots.read_slots().booked2[second] == 2

    page = operator().get(DASHBOARD).content.decode()

    assert "Second doses expected" in page
    row = page[page.index("World Trade Centre <span") :].split("</tr>", 1)[0]
    # Today, tomorrow (first doses only), then the two second-dose days.
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[:5] == [
        "0 of 0", "0 of 0", "0 of 0", "2 of 2", "1 of 1",
    ]  # fmt: skip
    assert '<td class="full">1 of 1</td>' in row and '<td class="full">2 of 2</td>' in row
    assert "Far Away Hall" not in page  # its second doses are beyond the table's days
    assert "Second-dose places left" in page


def timedelta(days: int) -> datetime.timedelta:
    return datetime.timedelta(days=days)
