"""Booking for a person from the helpline page: the permission, the person's own phone proved
by the code they read out or no phone at all, the same rules as the wizard's, the audit row,
the staff member's hourly limit, and the look-up of a booking made without a phone."""

from collections.abc import Callable
from io import StringIO
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from assisted.phoneless import is_phoneless
from audit.models import AuditEntry
from confirmations.services import channels_for
from devstack.people import mykad, new_phone
from devstack.processes import wait_until
from disputes.jobs import dispute_notice_job
from disputes.models import Dispute
from registration.references import number_for
from tests.assisted.conftest import HELPLINE
from tests.codes import resend_allowed
from tests.staff import staff_login
from vaksin.store import bookings
from vaksin.validation import PHONE_MAX_LENGTH
from waiting_room.services import queue_join
from warehouse.models import Booking


def _person(**changes: str) -> dict[str, str]:
    return {"id_type": "mykad", "id_number": mykad(), "name": "Siti binti Hassan", **changes}


def _no_phone(client: Client) -> None:
    assert client.post(HELPLINE, {"action": "nophone", "lang": "ms"}).status_code == 303


def _reference(client: Client) -> str:
    return client.session["assisted_call"]["done"]["reference"]


def test_staff_without_the_permission_are_refused(client: Client, db: None) -> None:
    user = User.objects.create_user("clerk", is_staff=True)
    staff_login(client, user)
    assert client.get(HELPLINE).status_code == 403
    assert client.post(HELPLINE, {"action": "nophone"}).status_code == 403
    assert client.get(HELPLINE + "printed/").status_code == 403
    # Nor does the admin's index link to it.
    assert HELPLINE not in client.get("/admin/").content.decode()


def test_without_the_second_factor_the_page_asks_for_the_staff_login(
    client: Client, helpline_staff: User
) -> None:
    client.force_login(helpline_staff)  # a password alone: no verified device
    response = client.get(HELPLINE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_links_to_the_helpline_page(helpline: Client) -> None:
    assert HELPLINE in helpline.get("/admin/").content.decode()
    assert helpline.get(HELPLINE).status_code == 200


def test_a_person_without_a_phone_is_booked_audited_and_found_with_id_and_reference(
    helpline: Client, make_slot, book_for: Callable[..., Any]
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    person = _person()
    _no_phone(helpline)
    booked = book_for(helpline, person, location="WTCKL", date=day.isoformat())
    assert booked.status_code == 303, booked.content.decode()[:3000]
    reference = _reference(helpline)

    entry = bookings.read_entry(number_for(reference) or 0)
    assert entry is not None and is_phoneless(entry["phone"])
    assert channels_for(entry) == []  # no SMS to a line that is not a phone

    row = AuditEntry.objects.get(action="assisted_book")
    assert (row.actor, row.target) == ("helpline", reference)
    assert "Caller has no smartphone" in row.after and "phone: none" in row.after
    for field in (row.target, row.before, row.after):
        assert person["id_number"] not in field

    page = helpline.get(HELPLINE).content.decode()
    assert reference in page
    printed = helpline.get(HELPLINE + "printed/")
    assert printed.status_code == 200
    text = printed.content.decode()
    assert reference in text and "Janji temu vaksinasi anda" in text  # in the person's language

    public = Client()
    found = public.post("/appointment/", {"id_number": person["id_number"], "reference": reference})
    assert found.status_code == 200
    assert reference in found.content.decode()
    assert 'id="booked-without-phone"' in found.content.decode()
    # There is no phone to send a code to.
    assert public.post("/appointment/code/", {"send": "1"}).status_code == 303


def test_the_same_person_cannot_be_booked_twice(
    helpline: Client, make_slot, book_for: Callable[..., Any]
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    person = _person()
    _no_phone(helpline)
    assert book_for(helpline, person, location="WTCKL", date=day.isoformat()).status_code == 303
    _no_phone(helpline)
    again = book_for(helpline, person, location="WTCKL", date=day.isoformat())
    assert again.status_code == 409
    assert 'id="booking-error"' in again.content.decode()
    # The refused booking left no audit row: the transaction rolled it back.
    assert AuditEntry.objects.filter(action="assisted_book").count() == 1


def test_invalid_answers_get_the_wizards_messages_and_keep_the_others(
    helpline: Client, make_slot, book_for: Callable[..., Any]
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    _no_phone(helpline)
    refused = book_for(
        helpline, _person(id_number="12345", name="Ali"), location="WTCKL", date=day.isoformat()
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Enter your MyKad number as 12 digits" in page
    assert 'value="Ali"' in page
    assert not AuditEntry.objects.filter(action="assisted_book").exists()


def test_a_reason_is_required(helpline: Client, make_slot, book_for: Callable[..., Any]) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    _no_phone(helpline)
    refused = book_for(helpline, _person(), location="WTCKL", date=day.isoformat(), reason=" ")
    assert refused.status_code == 400
    assert 'id="reason-error"' in refused.content.decode()


def test_the_staff_members_hourly_limit_refuses_the_attempt_past_it(
    helpline: Client, make_slot, book_for: Callable[..., Any], settings
) -> None:
    settings.ASSISTED_BOOKINGS_PER_HOUR = 3
    day = make_slot(location="WTCKL", capacity=10)
    for _ in range(3):
        _no_phone(helpline)
        assert (
            book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303
        )
    _no_phone(helpline)
    refused = book_for(helpline, _person(), location="WTCKL", date=day.isoformat())
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "3 assisted booking attempts this hour" in refused.content.decode()
    assert AuditEntry.objects.filter(action="assisted_book").count() == 3


def test_the_limit_is_per_member_of_staff(
    helpline: Client, make_slot, book_for: Callable[..., Any], settings
) -> None:
    settings.ASSISTED_BOOKINGS_PER_HOUR = 1
    day = make_slot(location="WTCKL", capacity=10)
    _no_phone(helpline)
    assert book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303
    other = User.objects.create_user("helpline2", is_staff=True)
    other.user_permissions.set(User.objects.get(username="helpline").user_permissions.all())
    colleague = Client()
    staff_login(colleague, other)
    _no_phone(colleague)
    assert book_for(colleague, _person(), location="WTCKL", date=day.isoformat()).status_code == 303


def _verify(client: Client, phone: str, send_codes: Callable[[], list[str]]) -> None:
    resend_allowed(phone)
    sent = client.post(HELPLINE, {"action": "send", "phone": phone, "lang": "ms"})
    assert sent.status_code == 303, sent.content.decode()[:3000]
    confirmed = client.post(HELPLINE, {"action": "confirm", "code": send_codes()[-1]})
    assert confirmed.status_code == 303, confirmed.content.decode()[:3000]


def test_a_person_with_a_mobile_is_proved_by_the_code_they_read_out(
    helpline: Client, make_slot, book_for: Callable[..., Any], send_codes
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    wrong = helpline.post(HELPLINE, {"action": "send", "phone": "012-345 6789"})
    assert wrong.status_code == 303
    refused = helpline.post(HELPLINE, {"action": "confirm", "code": "000000"})
    assert refused.status_code == 400  # not the code sent (nearly always)
    _verify(helpline, "012-345 6789", send_codes)
    assert book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303
    entry = bookings.read_entry(number_for(_reference(helpline)) or 0)
    assert entry is not None and entry["phone"] == "+60123456789"
    assert channels_for(entry) == ["sms"]
    assert "phone: ending in 89" in AuditEntry.objects.get(action="assisted_book").after


def test_a_phone_at_its_limit_is_refused_as_in_the_wizard(
    helpline: Client, make_slot, book_for: Callable[..., Any], send_codes, settings
) -> None:
    settings.PHONE_BOOKING_LIMIT = 1
    day = make_slot(location="WTCKL", capacity=5)
    _verify(helpline, "012-345 6789", send_codes)
    assert book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303
    refused = book_for(helpline, _person(), location="WTCKL", date=day.isoformat())
    assert refused.status_code == 409
    assert "already holds 1 appointments" in refused.content.decode()


def test_bookings_without_a_phone_count_against_no_citizens_phone(
    helpline: Client, make_slot, book_for: Callable[..., Any], settings
) -> None:
    settings.PHONE_BOOKING_LIMIT = 1
    day = make_slot(location="WTCKL", capacity=10)
    for _ in range(3):
        _no_phone(helpline)
        assert (
            book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303
        )


def test_the_helpline_waits_its_turn_in_the_waiting_room(
    helpline: Client, make_slot, book_for: Callable[..., Any], room
) -> None:
    day = make_slot(location="WTCKL", capacity=10)
    room(opens_in=-0.5, rate=1)
    for _ in range(3):
        queue_join(phone=new_phone())  # three phones queued before the call
    _no_phone(helpline)
    page = helpline.get(HELPLINE).content.decode()
    assert 'id="queue-state"' in page and "in the waiting room" in page
    refused = book_for(helpline, _person(), location="WTCKL", date=day.isoformat())
    assert refused.status_code == 403
    assert "turn in the waiting room has not come yet" in refused.content.decode()
    assert wait_until(
        lambda: "turn has come" in helpline.get(HELPLINE).content.decode(), seconds=15
    )
    assert book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303


def test_the_wizard_says_where_to_get_help_only_when_operators_set_it(
    client: Client, settings, db: None
) -> None:
    assert 'id="no-mobile-help"' not in client.get("/").content.decode()
    settings.HELPLINE_PHONE = "1800-88-8888"
    settings.HELPLINE_PLACES = ["any vaccination centre (PPV)"]
    page = client.get("/").content.decode()
    assert 'id="no-mobile-help"' in page and "1800-88-8888" in page
    assert "1800-88-8888" in client.get("/register/phone/").content.decode()
    client.post("/i18n/setlang/", {"language": "ms", "next": "/"})
    assert "Tiada telefon bimbit?" in client.get("/").content.decode()
    settings.HELPLINE_PHONE = ""
    page = client.get("/register/phone/").content.decode()
    assert "Pergi ke any vaccination centre (PPV)" in page and "Hubungi" not in page


def test_nothing_is_ever_sent_to_the_line_of_a_booking_without_a_phone(
    helpline: Client, make_slot, book_for: Callable[..., Any], sms_file
) -> None:
    """The attacker's side of a booking without a phone: someone who knows the person's ID
    number and reference disputes it, or asks for a code at /appointment/; nothing goes to the
    line, and no code can open the booking's management pages."""
    day = make_slot(location="WTCKL", capacity=5)
    person = _person()
    _no_phone(helpline)
    assert book_for(helpline, person, location="WTCKL", date=day.isoformat()).status_code == 303
    reference = _reference(helpline)
    number = number_for(reference) or 0
    dispute = Dispute.objects.create(
        number=number, reference=reference, person="x", id_type="mykad",
        id_ending=person["id_number"][-4:], claimant_phone="+60123456789", claimant_name="Ali",
    )  # fmt: skip
    assert dispute_notice_job(dispute.pk, "notice-1") == "nothing to tell"

    public = Client()
    public.post("/appointment/", {"id_number": person["id_number"], "reference": reference})
    assert public.post("/appointment/code/", {"send": "1"})["Location"] == "/appointment/"
    assert public.get("/appointment/manage/").status_code == 303
    assert not sms_file.exists() or sms_file.read_text() == ""


def test_a_booking_without_a_phone_reaches_the_warehouse_like_any_other(
    helpline: Client, make_slot, book_for: Callable[..., Any]
) -> None:
    day = make_slot(location="WTCKL", capacity=5)
    _no_phone(helpline)
    assert book_for(helpline, _person(), location="WTCKL", date=day.isoformat()).status_code == 303
    reference = _reference(helpline)
    call_command("export_bookings", stdout=StringIO())
    row = Booking.objects.get(reference=reference)
    assert is_phoneless(row.phone) and len(row.phone) <= PHONE_MAX_LENGTH


def test_a_post_without_the_csrf_token_is_refused(helpline_staff: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    staff_login(browser, helpline_staff)
    assert browser.get(HELPLINE).status_code == 200
    assert browser.post(HELPLINE, {"action": "nophone"}).status_code == 403
    assert "assisted_call" not in browser.session


def test_asking_who_is_registered_counts_against_the_hourly_limit(
    helpline: Client, make_slot, book_for: Callable[..., Any], settings
) -> None:
    """A staff account used to probe which ID numbers hold a booking: every refusal of the
    booking script is an attempt, so the probing stops at the same limit."""
    settings.ASSISTED_BOOKINGS_PER_HOUR = 2
    day = make_slot(location="WTCKL", capacity=10)
    person = _person()
    _no_phone(helpline)
    assert book_for(helpline, person, location="WTCKL", date=day.isoformat()).status_code == 303
    _no_phone(helpline)
    assert book_for(helpline, person, location="WTCKL", date=day.isoformat()).status_code == 409
    assert book_for(helpline, person, location="WTCKL", date=day.isoformat()).status_code == 429
