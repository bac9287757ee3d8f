"""The switches: staff with the permission open or close registration and pause confirmations,
every flip audited; staff without it cannot, however they ask."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from confirmations.relay import relay_run
from devstack.people import api_body, bearer
from operations.services import switch_flip
from tests.slots import SlotMaker
from tests.staff import staff_login
from vaksin.store import bookings, outbox
from vaksin.switches import confirmations_paused, switches_forget
from vaksin.window import registration_state

SWITCHES = "/admin/operations/dashboard/switches/"


def staff(username: str, *permissions: str) -> Client:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    staff_login(client, user)
    return client


def flip(client: Client, switch: str, choice: str):
    return client.post(SWITCHES, {"switch": switch, "choice": choice})


def book(client: Client, day) -> int:
    body = api_body(day)
    return client.post(
        "/api/bookings",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": bearer(body["phone"])},
    ).status_code


def test_closing_registration_by_hand_refuses_bookings_and_is_audited(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=5)
    operator = staff("operator", "view_dashboard", "flip_switches")

    response = flip(operator, "registration", "closed")

    assert response.status_code == 302
    assert registration_state() == "closed"
    assert book(client, day) == 403
    entry = AuditEntry.objects.get(action="switch")
    assert (entry.actor, entry.target, entry.before, entry.after, entry.address) == (
        "operator", "registration", "scheduled", "closed", "127.0.0.1",
    )  # fmt: skip

    flip(operator, "registration", "scheduled")
    switches_forget()
    assert book(client, day) == 201
    assert AuditEntry.objects.filter(action="switch").count() == 2


def test_opening_registration_by_hand_overrides_the_configured_times(
    client: Client, make_slot: SlotMaker, settings
) -> None:
    import datetime

    from django.utils import timezone

    settings.REGISTRATION_OPENS_AT = timezone.now() + datetime.timedelta(hours=1)
    settings.VERIFICATION_OPENS_AT = settings.REGISTRATION_OPENS_AT
    day = make_slot(capacity=5)
    assert book(client, day) == 403

    flip(staff("operator", "flip_switches"), "registration", "open")

    assert book(client, day) == 201
    # Phones can be verified too, or nobody could book.
    answer = client.post(
        "/api/verifications", json.dumps({"phone": "012-345 6789"}), content_type="application/json"
    )
    assert answer.status_code == 202


def test_a_switch_takes_effect_in_another_process_within_a_second(db: None) -> None:
    """Each process reads the switches through a copy at most a second old."""
    assert registration_state() == "open"  # this process now holds a fresh copy
    switch_flip(actor="operator", address=None, name="registration", choice="closed")
    # switch_flip dropped this process's copy; another process's copy lapses within a second.
    assert registration_state() == "closed"


def test_pausing_confirmations_stops_the_relay_and_loses_nothing(
    db: None, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=5)
    from devstack.people import booking_request
    from registration.services import booking_create

    switch_flip(actor="operator", address=None, name="confirmations", choice="paused")
    assert confirmations_paused()
    booking_create(request=booking_request(1, location="WTCKL", date=day))
    loops = iter(range(6))
    counts = relay_run(consumer="test", block_ms=10, should_stop=lambda: next(loops, None) is None)
    assert counts.entries == 0
    assert outbox.outbox_oldest_unrelayed() == 1

    switch_flip(actor="operator", address=None, name="confirmations", choice="running")
    loops = iter(range(6))
    counts = relay_run(consumer="test", block_ms=10, should_stop=lambda: next(loops, None) is None)
    assert counts.enqueued == 1
    assert outbox.outbox_oldest_unrelayed() is None
    assert bookings.read_log_length() == 1


def test_the_switches_page_shows_the_state_and_the_buttons(db: None) -> None:
    page = staff("operator", "view_dashboard", "flip_switches").get(SWITCHES).content.decode()
    assert "Close registration now" in page
    assert "Pause confirmations" in page
    assert "Resume confirmations" not in page


# The attacker's side: a member of staff without the permission, and bad requests.


def test_staff_without_the_permission_cannot_flip_a_switch(make_slot: SlotMaker) -> None:
    onlooker = staff("onlooker", "view_dashboard")
    page = onlooker.get(SWITCHES).content.decode()
    assert "Close registration now" not in page
    assert "You may look, not flip" in page

    response = flip(onlooker, "registration", "closed")

    assert response.status_code == 403
    assert registration_state() == "open"
    assert not AuditEntry.objects.filter(action="switch").exists()


def test_staff_without_any_operations_permission_see_nothing(db: None) -> None:
    other = staff("clerk")
    assert other.get(SWITCHES).status_code == 403
    assert other.get(reverse("admin:operations_dashboard_changelist")).status_code == 403
    assert flip(other, "confirmations", "paused").status_code == 403
    assert not confirmations_paused()


def test_a_visitor_who_is_not_staff_is_sent_to_the_login(client: Client, db: None) -> None:
    response = flip(client, "registration", "closed")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert registration_state() == "open"


@pytest.mark.parametrize(
    ("switch", "choice"),
    [("registration", "paused"), ("waiting_room", "open"), ("confirmations", ""), ("", "")],
)
def test_a_made_up_switch_or_choice_changes_nothing(db: None, switch: str, choice: str) -> None:
    operator = staff("operator", "view_dashboard", "flip_switches")
    response = operator.post(SWITCHES, {"switch": switch, "choice": choice}, follow=True)
    assert "nothing changed" in response.content.decode()
    assert not AuditEntry.objects.filter(action="switch").exists()


def test_flipping_to_the_state_it_is_in_is_not_audited(db: None) -> None:
    assert not switch_flip(actor="a", address=None, name="confirmations", choice="running")
    assert not AuditEntry.objects.exists()


def test_a_paused_confirmation_worker_takes_no_job_until_resumed(
    db: None, make_slot: SlotMaker, sms_file
) -> None:
    import django_rq

    from devstack.people import booking_request
    from devstack.sms import sms_lines
    from registration.services import booking_create

    day = make_slot(capacity=5)
    booking_create(request=booking_request(1, location="WTCKL", date=day))
    loops = iter(range(6))
    relay_run(consumer="test", block_ms=10, should_stop=lambda: next(loops, None) is None)
    queue = django_rq.get_queue("confirmations")
    assert queue.count == 1

    switch_flip(actor="operator", address=None, name="confirmations", choice="paused")
    django_rq.get_worker("confirmations").work(burst=True)
    assert queue.count == 1
    assert sms_lines(sms_file) == []

    switch_flip(actor="operator", address=None, name="confirmations", choice="running")
    django_rq.get_worker("confirmations").work(burst=True)
    assert queue.count == 0
    assert len(sms_lines(sms_file)) == 1
