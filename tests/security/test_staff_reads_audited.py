"""Staff views and searches of a person's details are audited like every change: who saw or
searched for what, when and from where, without the audit trail itself holding ID numbers."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import search_fingerprint
from devstack.people import booking_request, mykad
from registration.services import booking_create
from tests.slots import SlotMaker
from tests.staff import staff_login
from warehouse.models import Booking


@pytest.fixture
def viewer(staff: User, client: Client) -> Client:
    """Alice, a member of staff who may only view bookings, logged in."""
    staff.user_permissions.add(Permission.objects.get(codename="view_booking"))
    staff_login(client, staff)
    return client


@pytest.fixture
def reference(make_slot: SlotMaker) -> str:
    day = make_slot(capacity=5)
    found = booking_create(request=booking_request(1, location="WTCKL", date=day)).reference
    call_command("export_bookings", stdout=StringIO())
    return found


def reads() -> list[tuple[str, str, str, str | None]]:
    return [
        (entry.actor, entry.action, entry.target, entry.address)
        for entry in AuditEntry.objects.exclude(action__in=["login", "logout"]).order_by("at")
    ]


def trail_text() -> str:
    return "\n".join(
        f"{e.action} {e.target} {e.before} {e.after}" for e in AuditEntry.objects.all()
    )


def test_opening_a_booking_live_is_audited(viewer: Client, reference: str) -> None:
    page = viewer.get(reverse("admin:warehouse_booking_live", args=[reference]))

    assert page.status_code == 200
    assert reads() == [("alice", "view", reference, "127.0.0.1")]


def test_opening_a_warehouse_row_is_audited(viewer: Client, reference: str) -> None:
    row = Booking.objects.get(reference=reference)

    page = viewer.get(reverse("admin:warehouse_booking_change", args=[row.pk]))

    assert page.status_code == 200
    assert reads() == [("alice", "view", reference, "127.0.0.1")]


def test_the_list_of_bookings_is_audited_with_its_filters(viewer: Client, reference: str) -> None:
    day = Booking.objects.get().date

    page = viewer.get(reverse("admin:warehouse_booking_changelist"), {"date": str(day)})

    assert page.status_code == 200
    entry = AuditEntry.objects.get(action="view_list")
    assert (entry.actor, entry.target) == ("alice", "bookings")
    assert entry.after == f"1 rows shown; date={day}"


def test_a_search_by_id_number_is_audited_without_the_id_number(
    viewer: Client, reference: str
) -> None:
    typed = mykad(1)
    spelled = f"{typed[:6]}-{typed[6:8]}-{typed[8:]}"

    viewer.get(reverse("admin:warehouse_booking_changelist"), {"q": typed}, follow=True)
    viewer.post(reverse("admin:warehouse_booking_find"), {"query": spelled}, follow=True)

    searches = list(AuditEntry.objects.filter(action="search").order_by("at"))
    assert [e.target for e in searches] == [search_fingerprint(typed)] * 2
    assert searches[0].after == "1 rows shown" and searches[1].after == f"found: {reference}"
    # The find page's single answer opens the booking: that view is recorded too.
    assert AuditEntry.objects.filter(action="view", target=reference).count() == 1
    for shown in (typed, typed[:6], typed[-6:], spelled):
        assert shown not in trail_text()


def test_whoever_holds_the_secret_can_tell_who_searched_for_a_person(
    viewer: Client, reference: str
) -> None:
    viewer.post(reverse("admin:warehouse_booking_find"), {"query": mykad(1)})
    viewer.post(reverse("admin:warehouse_booking_find"), {"query": mykad(2)})
    out = StringIO()

    call_command("audit_search_fingerprint", f" {mykad(1)[:6]}-14-{mykad(1)[8:]} ", stdout=out)

    searched = AuditEntry.objects.filter(action="search", target=out.getvalue().strip())
    assert [(e.actor, e.after) for e in searched] == [("alice", f"found: {reference}")]


def test_a_search_by_reference_keeps_the_reference(viewer: Client, reference: str) -> None:
    viewer.post(reverse("admin:warehouse_booking_find"), {"query": reference.lower()})

    assert AuditEntry.objects.get(action="search").target == f"search:{reference}"


def test_the_trail_cannot_be_read_back_into_id_numbers_without_the_secret() -> None:
    """An attacker with the audit trail but not PERSON_KEY_SECRET hashes every MyKad of the
    person's birthday (the first six digits are a date of birth): nothing matches."""
    recorded = search_fingerprint(mykad(1)).removeprefix("search:")
    birthday = mykad(1)[:8]
    candidates = [f"{birthday}{n:04d}" for n in range(10_000)]

    assert mykad(1) in candidates
    for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1):
        assert all(digest(c.encode()).hexdigest()[:32] != recorded for c in candidates)
    assert search_fingerprint(mykad(2)) != search_fingerprint(mykad(1))


def test_a_refused_page_records_nothing(staff: User, client: Client, reference: str) -> None:
    staff_login(client, staff)  # no permission to view bookings

    for url in (
        reverse("admin:warehouse_booking_live", args=[reference]),
        reverse("admin:warehouse_booking_changelist"),
    ):
        assert client.get(url).status_code == 403, url

    assert reads() == []
