"""The noon dashboard in the admin: charts drawn on the server from the shared counters."""

import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from devstack.people import booking_request
from operations import dashboard
from registration.services import booking_create
from tests.slots import SlotMaker
from tests.staff import staff_login
from vaksin.store import metrics

DASHBOARD = reverse("admin:operations_dashboard_changelist")


def operator(*permissions: str) -> Client:
    user = User.objects.create_user("operator", password="x", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    staff_login(client, user)
    return client


def test_the_dashboard_draws_the_last_hour_and_refreshes(
    make_slot: SlotMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The dashboard's clock stands still, so that no bucket boundary passes during the test:
    # the bookings below count in buckets after its last finished one, and only the 20 do.
    now = time.time()
    monkeypatch.setattr(dashboard, "time", SimpleNamespace(time=lambda: now))
    day = make_slot(capacity=10, name="World Trade Centre")
    for i in range(3):
        booking_create(request=booking_request(i, location="WTCKL", date=day))
    # The last bucket that has finished filling: the chart's latest point.
    metrics.counters_add({}, {"booking:booked": 20, "status:503": 5}, at=now - 10)

    response = operator("view_dashboard").get(DASHBOARD)

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Refresh"] == "5"
    assert "stop updating" in page
    assert page.count("<svg") >= 5
    assert 'role="img"' in page
    assert "Bookings per second by outcome" in page
    assert "W.P. Kuala Lumpur 7 of 10" in page  # places left by state, said in words
    assert "booked: <strong>2 /s</strong>" in page  # 20 in a 10-second bucket
    assert "server errors (5xx): <strong>0.5 /s</strong>" in page


def test_the_dashboard_can_stop_refreshing(db: None) -> None:
    response = operator("view_dashboard").get(DASHBOARD + "?refresh=off")
    assert "Refresh" not in response
    assert "update every 5 seconds" in response.content.decode()


def test_the_dashboard_is_for_staff_with_the_permission(client: Client, db: None) -> None:
    assert operator().get(DASHBOARD).status_code == 403
    assert client.get(DASHBOARD).status_code == 302  # to the login


def test_the_dashboard_can_look_closely_at_the_last_ten_minutes(db: None) -> None:
    page = operator("view_dashboard").get(DASHBOARD + "?minutes=10").content.decode()
    assert "The last 10 minutes" in page
    assert "−10 min" in page
    # Any other span is the hour: nobody can ask for a day of buckets in one page.
    assert "The last hour" in operator_page("?minutes=100000")


def operator_page(query: str) -> str:
    user = User.objects.get(username="operator")
    client = Client()
    staff_login(client, user)
    return client.get(DASHBOARD + query).content.decode()
