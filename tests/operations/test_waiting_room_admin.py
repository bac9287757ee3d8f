"""The waiting room in the admin: staff with the switches' permission set the admission rate,
turn on the automatic mode or turn the room off, each audited; others only look."""

import html
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from devstack.people import new_phone
from tests.operations.test_switches import SWITCHES, flip, staff
from vaksin.store.queue import queue_step
from vaksin.switches import switches_forget
from waiting_room.services import queue_join, queue_reading, room_on, room_rules

DASHBOARD = reverse("admin:operations_dashboard_changelist")

pytestmark = pytest.mark.django_db


def test_an_operator_sets_the_rate_live_and_it_is_audited(room) -> None:
    room(opens_in=-1, rate=50)
    operator = staff("operator", "view_dashboard", "flip_switches")
    page = operator.get(SWITCHES).content.decode()
    assert "Waiting room" in page
    assert "Set the admission rate" in page

    response = operator.post(SWITCHES, {"mode": "set", "rate": "120"})

    assert response.status_code == 302
    assert queue_reading().rate == 120
    entry = AuditEntry.objects.get(action="admission_rate")
    assert (entry.actor, entry.target, entry.before, entry.after) == (
        "operator", "waiting_room", "50 a second", "120 a second",
    )  # fmt: skip


def test_the_automatic_mode_is_audited_and_steers_the_rate(room) -> None:
    room(opens_in=-1, rate=50)
    operator = staff("operator", "view_dashboard", "flip_switches")
    operator.post(SWITCHES, {"mode": "auto"})
    assert queue_reading().mode == "auto"
    assert AuditEntry.objects.get(action="admission_mode").after == "automatic"
    operator.post(SWITCHES, {"mode": "auto"})
    assert AuditEntry.objects.filter(action="admission_mode").count() == 1  # nothing changed


def test_a_rate_out_of_bounds_changes_nothing(room) -> None:
    room(opens_in=-1, rate=50)
    operator = staff("operator", "view_dashboard", "flip_switches")
    for rate in ("0", "-5", "1e9", "many", ""):
        operator.post(SWITCHES, {"mode": "set", "rate": rate})
    assert queue_reading().rate == 50
    assert not AuditEntry.objects.filter(action="admission_rate").exists()


def test_staff_without_the_permission_cannot_touch_admission(room, client: Client) -> None:
    room(opens_in=-1, rate=50)
    viewer = staff("viewer", "view_dashboard")
    assert viewer.post(SWITCHES, {"mode": "set", "rate": "1000"}).status_code == 403
    assert flip(viewer, "waiting_room", "off").status_code == 403
    assert queue_reading().rate == 50
    assert room_on()


def test_turning_the_room_off_and_on_is_audited(room) -> None:
    room(opens_in=-1)
    queue_join(phone=new_phone())
    operator = staff("operator", "view_dashboard", "flip_switches")
    flip(operator, "waiting_room", "off")
    switches_forget()
    assert not room_on()
    flip(operator, "waiting_room", "on")
    switches_forget()
    assert room_on()
    assert queue_reading().issued == 1  # tickets are kept
    assert [e.after for e in AuditEntry.objects.filter(target="waiting_room").order_by("id")] == [
        "off",
        "on",
    ]


def rate_source(page: str) -> str:
    found = re.search(r'id="room-rate-source">([^<]*)<', page)
    assert found, "no rate source on the page"
    return html.unescape(found[1])


def test_the_switches_page_says_where_the_rate_came_from(room, monkeypatch) -> None:
    """It said "set by hand" for a rate nobody had set, that came from WAITING_ROOM_RATE."""
    room(opens_in=-1, rate=50)
    monkeypatch.setenv("WAITING_ROOM_RATE", "50")
    operator = staff("operator", "view_dashboard", "flip_switches")

    configured = rate_source(operator.get(SWITCHES).content.decode())
    operator.post(SWITCHES, {"mode": "set", "rate": "120"})
    by_hand = rate_source(operator.get(SWITCHES).content.decode())
    operator.post(SWITCHES, {"mode": "auto"})
    automatic = operator.get(SWITCHES).content.decode()

    assert configured.startswith("WAITING_ROOM_RATE in the environment")
    assert "set by hand" not in configured
    assert by_hand.startswith("set by hand in Switches by operator at ")
    assert "automatic, now" in automatic and 'id="room-rate-source"' not in automatic


def test_the_noon_dashboard_shows_the_waiting_room(room) -> None:
    """Tickets, admitted, the rate and its source, passes used and lapsed; it showed nothing of
    the room."""
    room(opens_in=-1, rate=50, minutes=1)
    for _ in range(3):
        queue_join(phone=new_phone())
    later = int(time.time() * 1000) + 5_000
    queue_step(room_rules(), action="tick", now_ms=later)  # all three admitted
    queue_step(room_rules(), action="tick", now_ms=later + 61_000)  # their passes lapse unused
    viewer = staff("viewer", "view_dashboard")

    page = viewer.get(DASHBOARD).content.decode()

    tiles = dict(
        re.findall(r'<span class="label">([^<]+)</span><span class="value">([^<]+)</span>', page)
    )
    assert 'id="waiting-room"' in page
    assert tiles["Waiting room"] == "On"
    assert tiles["Tickets taken"] == "3"
    assert tiles["Admitted"] == "3"
    assert tiles["Admission rate"] == "50.0/s"
    assert tiles["Passes used"] == "0"
    assert tiles["Passes lapsed"] == "3"
    assert "nobody has set a rate in Switches" in rate_source(page)


def test_without_a_room_the_dashboard_says_nothing_of_one(settings) -> None:
    settings.WAITING_ROOM_OPENS_AT = None
    page = staff("viewer", "view_dashboard").get(DASHBOARD).content.decode()
    assert 'id="waiting-room"' not in page
