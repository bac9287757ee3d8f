"""The waiting room in the admin: staff with the switches' permission set the admission rate,
turn on the automatic mode or turn the room off, each audited; others only look."""

import pytest
from django.test import Client

from audit.models import AuditEntry
from devstack.people import new_phone
from tests.operations.test_switches import SWITCHES, flip, staff
from vaksin.switches import switches_forget
from waiting_room.services import queue_join, queue_reading, room_on

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
