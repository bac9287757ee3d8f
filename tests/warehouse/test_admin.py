"""The staff admin: live capacities, cancelling, finding bookings, the audit trail, staff only."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from availability.models import Centre
from devstack.people import booking_request, mykad
from registration.services import booking_create
from tests.slots import SlotMaker
from tests.staff import staff_login
from vaksin.store import keys, slots


def slots_url(centre: str = "WTCKL") -> str:
    return reverse("admin:availability_centre_slots", args=[centre])


def counts(day: datetime.date, centre: str = "WTCKL") -> tuple[int, int]:
    found = slots.read_slots()
    field = keys.slot_field(centre, day.isoformat())
    return found.capacity[field], found.booked.get(field, 0)


def book(i: int, day: datetime.date) -> str:
    return booking_create(request=booking_request(i, location="WTCKL", date=day)).reference


def test_the_slots_page_shows_capacity_booked_and_available_live_from_redis(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    day = make_slot(capacity=7)
    book(1, day)
    book(2, day)

    page = admin_client.get(slots_url()).content.decode()

    assert f"<td>{day.isoformat()}</td><td>7</td><td>2</td><td>5</td>" in page


def test_a_capacity_below_the_booked_count_is_refused(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    day = make_slot(capacity=5)
    for i in range(3):
        book(i, day)

    page = admin_client.post(slots_url(), {"date": day, "capacity": 2}, follow=True)

    assert "capacity 2 is below the 3 places already booked" in page.content.decode()
    assert counts(day) == (5, 3)
    assert not AuditEntry.objects.filter(action="capacity").exists()


def test_a_capacity_change_is_made_and_audited(make_slot: SlotMaker, admin_client: Client) -> None:
    day = make_slot(capacity=5)
    book(1, day)

    page = admin_client.post(slots_url(), {"date": day, "capacity": 9}, follow=True)

    assert "capacity set to 9 (from 5); 1 booked, 8 available" in page.content.decode()
    assert counts(day) == (9, 1)
    entry = AuditEntry.objects.get(action="capacity")
    assert (entry.actor, entry.target, entry.before, entry.after) == (
        "admin",
        f"WTCKL {day.isoformat()}",
        "5",
        "9",
    )
    assert entry.address == "127.0.0.1"


def test_staff_can_add_a_date(make_slot: SlotMaker, admin_client: Client) -> None:
    day = make_slot(capacity=5)
    later = day + datetime.timedelta(days=3)

    admin_client.post(slots_url(), {"date": later, "capacity": 40})

    assert counts(later) == (40, 0)
    assert AuditEntry.objects.get(action="capacity").before == "new date"


def test_saving_a_centre_publishes_it_to_redis_and_is_audited(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    make_slot(capacity=5)
    url = reverse("admin:availability_centre_change", args=["WTCKL"])
    form = {"name": "WTC Kuala Lumpur", "state": "MY-14", "opens_at": "08:00", "closes_at": "18:00"}

    admin_client.post(url, form)

    assert getattr(slots.read_centre("WTCKL"), "opens", None) == "08:00"
    assert Centre.objects.get(id="WTCKL").name == "WTC Kuala Lumpur"
    entry = AuditEntry.objects.get(action="centre")
    assert "Centre WTCKL" in entry.before and "WTC Kuala Lumpur" in entry.after


def test_a_cancel_returns_the_place_and_frees_the_person_to_book_again(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    day = make_slot(capacity=2)
    reference = book(1, day)
    book(2, day)
    url = reverse("admin:warehouse_booking_live", args=[reference])

    page = admin_client.post(url, {"reason": "duplicate registration"}, follow=True)

    assert f"Booking {reference} is cancelled" in page.content.decode()
    assert "Cancelled" in page.content.decode()
    assert counts(day) == (2, 1)
    assert book(1, day) != reference
    entry = AuditEntry.objects.get(action="cancel")
    assert (entry.target, entry.after) == (reference, "cancelled: duplicate registration")


def test_a_booking_is_found_by_its_id_number_in_any_spelling(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    day = make_slot(capacity=2)
    reference = book(7, day)
    number = mykad(7)
    spelled = f"{number[:6]}-{number[6:8]}-{number[8:]}"

    found = admin_client.post(reverse("admin:warehouse_booking_find"), {"query": spelled})

    assert found.status_code == 302
    assert found["Location"] == reverse("admin:warehouse_booking_live", args=[reference])
    page = admin_client.get(found["Location"]).content.decode()
    assert number not in page and number[-4:] in page


def test_the_bookings_list_masks_id_numbers(make_slot: SlotMaker, admin_client: Client) -> None:
    day = make_slot(capacity=2)
    book(3, day)
    call_command("export_bookings", verbosity=0, stdout=None)

    page = admin_client.get(reverse("admin:warehouse_booking_changelist")).content.decode()

    assert mykad(3) not in page
    assert f"••••••••{mykad(3)[-4:]}" in page


@pytest.fixture
def clerk(db: None) -> User:
    return User.objects.create_user("clerk", password="not-staff-password", is_staff=False)


def test_a_non_staff_user_is_refused(make_slot: SlotMaker, clerk: User, client: Client) -> None:
    day = make_slot(capacity=5)
    reference = book(1, day)
    client.force_login(clerk)

    for url in (
        slots_url(),
        reverse("admin:warehouse_booking_live", args=[reference]),
        reverse("admin:warehouse_booking_changelist"),
        reverse("admin:django_rq_dashboard_changelist"),
    ):
        assert client.get(url).status_code == 302, url
    client.post(slots_url(), {"date": day, "capacity": 1})
    client.post(reverse("admin:warehouse_booking_live", args=[reference]), {"reason": "x"})

    assert counts(day) == (5, 1)
    assert not AuditEntry.objects.exclude(action="login").exists()


def test_staff_who_may_only_view_cannot_cancel_or_change_capacity(
    make_slot: SlotMaker, clerk: User, client: Client
) -> None:
    day = make_slot(capacity=5)
    reference = book(1, day)
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_booking", "view_centre"])
    )
    staff_login(client, clerk)

    live = reverse("admin:warehouse_booking_live", args=[reference])
    assert client.get(live).status_code == 200
    assert client.post(live, {"reason": "x"}).status_code == 403
    assert client.post(slots_url(), {"date": day, "capacity": 9}).status_code == 403
    assert counts(day) == (5, 1)
