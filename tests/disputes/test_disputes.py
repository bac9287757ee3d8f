""" "This booking is not mine": a person whose ID number was booked from another phone says so from
their own verified phone; the booking stands, flagged, and its phone is told; staff who have seen
the person's MyKad give the booking to the person's phone or cancel it, audited; the person sees
where their report stands."""

import time
from pathlib import Path

import django_rq
import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from devstack.people import book_someone, mykad
from devstack.sms import relay_and_send, sms_lines
from disputes.models import Dispute
from disputes.services import DISPUTES_PER_PHONE_A_DAY
from registration.references import number_for
from tests.staff import staff_login
from tests.wizard_cookies import cookie_rewrite
from vaksin.invariants import store_problems
from vaksin.store import bookings, slots

OWN_PHONE = "012-345 6789"
OWN_PHONE_E164 = "+60123456789"


def _holder_phone(reference: str) -> str:
    return (bookings.read_entry(number_for(reference) or 0) or {})["phone"]


@pytest.fixture
def booked_by_a_stranger(make_slot, person) -> str:
    """The person's MyKad, booked by someone else from their own phone; returns the reference."""
    day = make_slot(location="WTCKL", capacity=5)
    return book_someone(location="WTCKL", date=day, id_number=person["id_number"])


@pytest.fixture
def reported(client: Client, walk, person, tomorrow, booked_by_a_stranger: str) -> Client:
    """The person walks the wizard with their own phone, is refused, and reports the booking."""
    walk(person, location="WTCKL", date=tomorrow.isoformat())
    refused = client.post("/register/check/")
    assert refused["Location"] == "/register/already-registered/"
    assert client.post("/register/not-mine/")["Location"] == "/register/not-mine/"
    return client


def _decide(client: Client, dispute: Dispute, decision: str, seen: str, note: str = "MyKad seen"):
    url = reverse("admin:disputes_dispute_decide", args=[dispute.pk])
    return client.post(url, {"decision": decision, "id_number_seen": seen, "note": note})


@pytest.fixture
def decider(db: None) -> Client:
    """A member of staff who may resolve disputes, logged in with both factors."""
    user = User.objects.create_user("decider", is_staff=True)
    for codename in ("view_dispute", "resolve_dispute"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    staff_login(client, user)
    return client


def test_the_refusal_says_what_to_do_and_tells_no_stranger_whose_booking_it_is(
    client: Client, walk, person, tomorrow, booked_by_a_stranger: str
) -> None:
    walk(person, location="WTCKL", date=tomorrow.isoformat())
    refused = client.post("/register/check/")
    page = client.get(refused["Location"]).content.decode()
    assert "This person cannot be booked from this mobile number" in page
    assert 'href="/register/not-mine/"' in page
    assert booked_by_a_stranger not in page
    assert _holder_phone(booked_by_a_stranger)[-4:] not in page
    form = client.get("/register/not-mine/").content.decode()
    assert f"ending in {person['id_number'][-4:]}" in form
    assert "This booking is not mine" in form


def test_a_report_flags_the_booking_tells_its_phone_and_says_where_it_stands(
    reported: Client, booked_by_a_stranger: str, person, sms_file: Path
) -> None:
    holder = _holder_phone(booked_by_a_stranger)
    [dispute] = Dispute.objects.all()
    assert (dispute.status, dispute.reference) == ("open", booked_by_a_stranger)
    assert dispute.claimant_phone == OWN_PHONE_E164
    assert dispute.id_ending == person["id_number"][-4:]
    # The MyKad itself is kept nowhere but the booking.
    assert person["id_number"] not in str(Dispute.objects.values().get())

    page = reported.get("/register/not-mine/").content.decode()
    assert f"D-{dispute.pk}" in page
    assert "Waiting for staff to check your MyKad or passport" in page

    # The booking stands until staff decide.
    assert bookings.read_person_number("mykad", person["id_number"]) == dispute.number
    django_rq.get_worker("confirmations").work(burst=True)
    [notice] = [line for line in sms_lines(sms_file) if line["to"] == holder]
    assert booked_by_a_stranger in notice["text"]
    assert "says they did not make it" in notice["text"]


def test_reporting_again_opens_no_second_dispute_and_sends_no_second_sms(
    reported: Client, booked_by_a_stranger: str, sms_file: Path
) -> None:
    assert reported.post("/register/not-mine/").status_code == 303
    assert Dispute.objects.count() == 1
    django_rq.get_worker("confirmations").work(burst=True)
    holder = _holder_phone(booked_by_a_stranger)
    assert len([line for line in sms_lines(sms_file) if line["to"] == holder]) == 1


def test_staff_give_the_booking_to_the_persons_phone_only_with_the_booking_s_id_number(
    reported: Client, decider: Client, booked_by_a_stranger: str, person, tomorrow, sms_file: Path
) -> None:
    holder = _holder_phone(booked_by_a_stranger)
    dispute = Dispute.objects.get()
    page = decider.get(reverse("admin:disputes_dispute_decide", args=[dispute.pk]))
    assert "Tan Wei Ming" in page.content.decode()  # the name on the booking
    assert person["name"] in page.content.decode()  # the name the person gave

    wrong = _decide(decider, dispute, "transfer", mykad())
    assert "is not the disputed booking" in wrong.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert bookings.read_person_number("mykad", person["id_number"]) == dispute.number

    given = _decide(
        decider, dispute, "transfer", person["id_number"][:6] + "-14-" + person["id_number"][8:]
    )
    assert given.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "transferred" and dispute.resolved_by == "decider"
    new_number = bookings.read_person_number("mykad", person["id_number"])
    assert new_number == number_for(dispute.new_reference)
    entry = bookings.read_entry(new_number or 0) or {}
    assert (entry["phone"], entry["name"]) == (OWN_PHONE_E164, person["name"])
    assert slots.read_booked_counts()[f"WTCKL|{tomorrow.isoformat()}"] == 1  # the same place
    assert store_problems() == []

    relay_and_send()
    sent = {line["to"]: line["text"] for line in sms_lines(sms_file)}
    assert dispute.new_reference in sent[OWN_PHONE_E164]
    assert "cancelled" in sent[holder]
    audit = AuditEntry.objects.get(action="dispute_transferred")
    assert (audit.actor, audit.target) == ("decider", booked_by_a_stranger)
    assert person["id_number"] not in audit.after

    report = reported.get("/register/not-mine/").content.decode()
    assert "The booking is now yours" in report and dispute.new_reference in report
    # Its phone is the person's now: the look-up sends codes there.
    found = Client().post("/appointment/", {"id_number": person["id_number"],
                                            "reference": dispute.new_reference})  # fmt: skip
    assert f"ending in {OWN_PHONE_E164[-2:]}" in found.content.decode()


def test_staff_cancel_a_disputed_booking_and_the_person_books_their_own(
    reported: Client, decider: Client, booked_by_a_stranger: str, person, tomorrow
) -> None:
    dispute = Dispute.objects.get()
    assert _decide(decider, dispute, "cancel", person["id_number"]).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "cancelled"
    assert bookings.read_person_number("mykad", person["id_number"]) is None
    assert slots.read_booked_counts()[f"WTCKL|{tomorrow.isoformat()}"] == 0
    assert (
        "cancelled the booking someone else made"
        in reported.get("/register/not-mine/").content.decode()
    )
    assert store_problems() == []
    assert AuditEntry.objects.filter(action="dispute_cancelled").count() == 1


def test_staff_may_leave_a_booking_made_with_the_persons_agreement(
    reported: Client, decider: Client, person
) -> None:
    dispute = Dispute.objects.get()
    assert _decide(decider, dispute, "reject", "", note="Their son booked it").status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "rejected"
    assert bookings.read_person_number("mykad", person["id_number"]) == dispute.number
    assert (
        "Staff found that the booking was made with your agreement"
        in reported.get("/register/not-mine/").content.decode()
    )
    # A decided dispute is not decided again.
    again = _decide(decider, dispute, "cancel", person["id_number"])
    assert bookings.read_person_number("mykad", person["id_number"]) == dispute.number
    assert again.status_code in (200, 302)


def test_staff_who_may_only_look_cannot_decide(
    reported: Client, person, booked_by_a_stranger: str
) -> None:
    user = User.objects.create_user("looker", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dispute"))
    looker = Client()
    staff_login(looker, user)
    dispute = Dispute.objects.get()
    assert looker.get(reverse("admin:disputes_dispute_changelist")).status_code == 200
    page = looker.get(reverse("admin:disputes_dispute_decide", args=[dispute.pk]))
    assert page.status_code == 200 and 'name="decision"' not in page.content.decode()
    assert _decide(looker, dispute, "cancel", person["id_number"]).status_code == 403
    assert Dispute.objects.get().status == "open"


def test_the_phone_that_made_the_booking_cannot_dispute_it(
    client: Client, make_slot, walk, person, tomorrow
) -> None:
    make_slot(location="WTCKL", capacity=5)
    walk(person, location="WTCKL", date=tomorrow.isoformat())
    assert client.post("/register/check/")["Location"] == "/register/confirmation/"
    # Booked, the wizard forgets the answers and the phone: as if the person typed them again.
    answers = {key: person[key] for key in ("id_type", "id_number", "name")}
    until = int(time.time()) + 600
    cookie_rewrite(client, answers=answers, done=None, phone=OWN_PHONE_E164, phone_until=until)
    page = client.post("/register/not-mine/").content.decode()
    assert "There is nothing to report" in page
    assert Dispute.objects.count() == 0


def test_a_phone_reports_a_few_bookings_a_day_not_a_list_of_them(
    client: Client, make_slot, verify, tomorrow, sms_file: Path
) -> None:
    """A script with leaked ID numbers would make us send an SMS to each booking's phone."""
    make_slot(location="WTCKL", capacity=10)
    verify(OWN_PHONE)
    answers = []
    for _ in range(DISPUTES_PER_PHONE_A_DAY + 1):
        id_number = mykad()
        book_someone(location="WTCKL", date=tomorrow, id_number=id_number)
        cookie_rewrite(client, answers={"id_type": "mykad", "id_number": id_number,
                                        "name": "Nur Aisyah"})  # fmt: skip
        answers.append(client.post("/register/not-mine/"))
    assert [answer.status_code for answer in answers] == [303] * DISPUTES_PER_PHONE_A_DAY + [429]
    assert "has reported 3 bookings today" in answers[-1].content.decode()
    assert Dispute.objects.count() == DISPUTES_PER_PHONE_A_DAY


def test_without_a_verified_phone_the_page_starts_the_wizard(client: Client, db: None) -> None:
    assert client.get("/register/not-mine/")["Location"] == "/register/"
    assert client.post("/register/not-mine/")["Location"] == "/register/"
    assert Dispute.objects.count() == 0
