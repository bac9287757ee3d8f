"""The staff admin: live capacities, cancelling, finding bookings, the audit trail, staff only."""

import dataclasses
import datetime
import re

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

    asked = admin_client.post(url, {"reason": "duplicate registration"})
    page = admin_client.post(
        url, {"reason": "duplicate registration", "confirmed": "True"}, follow=True
    )

    assert "Yes, cancel booking" in asked.content.decode()
    assert f"Booking {reference} is cancelled" in page.content.decode()
    assert "Cancelled" in page.content.decode()
    assert counts(day) == (2, 1)
    assert book(1, day) != reference
    entry = AuditEntry.objects.get(action="cancel")
    assert (entry.target, entry.after) == (reference, "cancelled: duplicate registration")


def test_a_cancel_asks_once_more_and_shows_the_sms_the_person_will_receive(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    """One click used to cancel someone's appointment, with nothing said of what they receive."""
    day = make_slot(capacity=2)
    request = dataclasses.replace(booking_request(4, location="WTCKL", date=day), lang="ms")
    reference = booking_create(request=request).reference
    url = reverse("admin:warehouse_booking_live", args=[reference])

    live = admin_client.get(url).content.decode()
    asked = admin_client.post(url, {"reason": "asked by phone"})
    question = asked.content.decode()

    assert "asks once more" in live
    assert asked.status_code == 200
    assert counts(day) == (2, 1)  # nothing cancelled yet
    assert not AuditEntry.objects.filter(action="cancel").exists()
    assert f"Cancel booking {reference}?" in question
    assert "The person will receive this SMS at" in question
    assert "janji temu vaksinasi anda" in question  # the Malay text they booked in
    assert "Do not go to the centre." in question  # and its English, for staff
    assert 'name="confirmed"' in question and "No, keep it" in question
    assert "billed part" in question

    admin_client.post(url, {"reason": "asked by phone", "confirmed": "True"})

    assert counts(day) == (2, 0)
    entry = AuditEntry.objects.get(action="cancel")
    assert entry.after == "cancelled: asked by phone"


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


def urls_in(page: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', page)


def test_searching_the_bookings_list_by_id_number_keeps_the_number_out_of_urls(
    make_slot: SlotMaker, admin_client: Client
) -> None:
    """The list's search was a GET (?q=<ID number>): the number sat in the address bar, the
    history and every access log. It is posted now, and the list's URLs carry a search id."""
    day = make_slot(capacity=3)
    reference = book(8, day)
    book(9, day)
    call_command("export_bookings", verbosity=0, stdout=None)
    number = mykad(8)
    changelist = reverse("admin:warehouse_booking_changelist")

    listed = admin_client.get(changelist).content.decode()
    searched = admin_client.post(
        reverse("admin:warehouse_booking_search"), {"q": number, "date": str(day)}
    )

    assert 'method="post"' in listed and reverse("admin:warehouse_booking_search") in listed
    assert searched.status_code == 302
    location = searched["Location"]
    assert number not in location and number[-4:] not in location
    assert re.fullmatch(
        rf"{changelist}\?(date=[0-9-]+&)?s=[A-Za-z0-9_-]{{16}}(&date=[0-9-]+)?", location
    )
    page = admin_client.get(location).content.decode()
    assert reference in page and f"••••••••{number[-4:]}" in page
    assert "1 result" in page or page.count('class="field-reference"') == 1
    assert [url for url in urls_in(page) if number in url or number[-6:] in url] == []
    # A number typed into the address bar (an old link) moves out of it at once.
    typed = admin_client.get(changelist, {"q": number})
    assert typed.status_code == 302 and number not in typed["Location"]


def test_a_search_id_is_only_its_own_accounts_and_lapses(
    make_slot: SlotMaker, admin_client: Client, client: Client
) -> None:
    day = make_slot(capacity=3)
    book(8, day)
    call_command("export_bookings", verbosity=0, stdout=None)
    searched = admin_client.post(reverse("admin:warehouse_booking_search"), {"q": mykad(8)})
    other = User.objects.create_superuser("other", password="a long enough passphrase 2")
    staff_login(client, other)

    theirs = client.get(searched["Location"], follow=True).content.decode()
    made_up = admin_client.get(
        reverse("admin:warehouse_booking_changelist"), {"s": "A" * 16}, follow=True
    ).content.decode()

    assert "That search has lapsed" in theirs and "That search has lapsed" in made_up
    # Nobody was shown a result, so no search was recorded.
    assert not AuditEntry.objects.filter(action="search").exists()


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
