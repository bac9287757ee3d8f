"""What staff record at the centre: a dose given, a no-show, a second dose let go after the
first was given; each audited, each decided by one script, none leaving the store off its
invariants. Real Redis, real PostgreSQL."""

import datetime
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from availability.services import slot_set_capacity
from devstack.people import booking_request
from registration.doses import (
    SECOND_CANCELLED,
    SECOND_NO_SHOW,
    DoseError,
    DoseEvent,
    dose_event,
)
from registration.references import number_for, reference_for
from registration.services import BookingConfirmation, booking_cancel, booking_create
from registration.staff import staff_dose_record
from tests.slots import SlotMaker
from tests.staff import staff_login
from vaksin import store
from vaksin.doses import second_dose_dates
from vaksin.errors import BookingError, message
from vaksin.invariants import store_problems
from vaksin.store import bookings, doses, keys, slots, waitlist
from vaksin.store.connection import run_script
from vaksin.store.doses import doses_read
from waitlist.services import waitlist_join
from warehouse.export import bookings_export, bookings_verify
from warehouse.models import Booking


def book(i: int, day: datetime.date) -> BookingConfirmation:
    confirmation = booking_create(request=booking_request(i, location="WTCKL", date=day))
    assert confirmation.second_date  # make_slot gives every first dose its second
    return confirmation


def booked2(confirmation: BookingConfirmation) -> int:
    field = keys.slot_field("WTCKL", confirmation.second_date)
    return slots.read_slots().booked2.get(field, 0)


def record(reference: str, event: DoseEvent, **kwargs: object) -> str:
    """Records `event` as a member of staff would; returns the booking's reference after it."""
    return staff_dose_record(
        actor="nurse", address=None, reference=reference, event=event
    ).reference


def test_a_first_dose_given_keeps_the_second(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)

    assert record(mine.reference, DoseEvent.FIRST_GIVEN) == mine.reference

    number = number_for(mine.reference) or 0
    assert doses_read([number]) == {number: 1}
    assert booked2(mine) == 1
    assert (
        bookings.read_person_number("mykad", booking_request(1, location="", date="").id_number)
        == number
    )
    row = AuditEntry.objects.get(action="dose_first_given")
    assert (row.actor, row.target, row.before, row.after) == (
        "nurse", mine.reference, "no dose given", "first dose given",
    )  # fmt: skip
    assert store_problems() == []


def test_a_second_dose_is_recorded_only_after_the_first_and_only_once(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)

    with pytest.raises(DoseError) as refused:
        record(mine.reference, DoseEvent.SECOND_GIVEN)
    assert refused.value.code == "first_not_given"
    assert not AuditEntry.objects.exists()  # a refusal leaves no audit row

    record(mine.reference, DoseEvent.FIRST_GIVEN)
    record(mine.reference, DoseEvent.SECOND_GIVEN)
    with pytest.raises(DoseError) as again:
        record(mine.reference, DoseEvent.SECOND_GIVEN)
    assert again.value.code == "already"
    number = number_for(mine.reference) or 0
    assert doses_read([number]) == {number: 2}
    # Both given: there is no second dose left to let go.
    with pytest.raises(DoseError) as gone:
        record(mine.reference, DoseEvent.SECOND_CANCEL)
    assert gone.value.code == "second_given"
    assert store_problems() == []


def test_a_first_dose_no_show_frees_the_place_for_the_waiting_list_the_same_day(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=1, date=timezone.localdate())  # today: the day it happens
    absent = book(1, day)
    waiter = booking_request(2, location="WTCKL", date=day)
    waitlist_join(request=waiter, verified_until=int(time.time()) + 3600)

    assert record(absent.reference, DoseEvent.NO_SHOW) == absent.reference

    slot = keys.slot_field("WTCKL", day.isoformat())
    assert waitlist.held_counts() == {slot: 1}  # offered to the waiter at once
    # Its second dose went with it, and the offer holds it for the waiter.
    second = keys.slot_field("WTCKL", absent.second_date)
    assert booked2(absent) == 1 and doses.second_doses_held() == {second: 1}
    cancelled = bookings.read_entry(bookings.read_last_number() - 1) or {}
    assert cancelled.get("reason") == "no_show" and cancelled.get("by") == "staff:nurse"
    assert AuditEntry.objects.get(action="dose_no_show").after == "no-show: cancelled"
    assert store_problems() == []


def test_no_no_show_is_recorded_before_the_dose_s_day(make_slot: SlotMaker) -> None:
    """A no-show a day early would cancel someone's appointment."""
    day = make_slot(capacity=1)  # tomorrow
    mine = book(1, day)

    with pytest.raises(DoseError) as refused:
        record(mine.reference, DoseEvent.NO_SHOW)

    assert refused.value.code == "too_early"
    assert bookings.read_person_number("mykad", booking_request(1, location="", date="").id_number)
    assert not AuditEntry.objects.exists()


def test_a_second_dose_cancelled_lets_its_place_go_and_the_person_keeps_the_first(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    with pytest.raises(DoseError) as refused:
        record(mine.reference, DoseEvent.SECOND_CANCEL)
    assert refused.value.code == "first_not_given"
    record(mine.reference, DoseEvent.FIRST_GIVEN)

    now = record(mine.reference, DoseEvent.SECOND_CANCEL)

    old, new = number_for(mine.reference) or 0, number_for(now) or 0
    assert new == old + 2 and booked2(mine) == 0
    assert doses_read([old, new]) == {old: 0, new: 1}  # the first dose given goes along
    gone, kept = bookings.read_entry(old + 1) or {}, bookings.read_entry(new) or {}
    assert (gone["kind"], gone["booking"], gone["dose"], gone["reason"], gone["moved_to"]) == (
        "cancelled", str(old), "2", SECOND_CANCELLED, str(new),
    )  # fmt: skip
    assert gone["date2"] == mine.second_date
    assert kept["kind"] == "booked" and kept["moved_from"] == str(old)
    assert (kept["date"], kept["window"]) == (day.isoformat(), mine.arrival_window)
    assert "date2" not in kept and "window2" not in kept
    assert bookings.scan_phones() == {
        keys.bucketed_name(*keys.phone_key(booking_request(1, location="", date="").phone)): 1
    }
    assert store_problems() == []
    # Its first dose was given: the booking is not cancelled afterwards (the place was used),
    # and no second-dose place is given back twice.
    assert not booking_cancel(reference=now, by="test")
    assert booked2(mine) == 0 and slots.read_slots().booked[f"WTCKL|{day}"] == 1
    assert store_problems() == []


def test_a_second_dose_no_show_lets_its_place_go(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    second = datetime.date.fromisoformat(mine.second_date)
    with pytest.raises(DoseError) as early:
        dose_event(reference=mine.reference, event=DoseEvent.NO_SHOW, by="staff:nurse",
                   today=second - datetime.timedelta(days=1))  # fmt: skip
    assert early.value.code == "too_early"

    result = dose_event(
        reference=mine.reference, event=DoseEvent.NO_SHOW, by="staff:nurse", today=second
    )

    assert booked2(mine) == 0
    gone = bookings.read_entry((number_for(result.reference) or 0) - 1) or {}
    assert gone["reason"] == SECOND_NO_SHOW
    assert store_problems() == []


def test_nothing_is_recorded_for_a_booking_no_longer_held(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    assert booking_cancel(reference=mine.reference, by="test")

    for event in DoseEvent:
        with pytest.raises(DoseError) as refused:
            record(mine.reference, event)
        assert refused.value.code == "not_found"
    with pytest.raises(DoseError):
        record("not-a-reference", DoseEvent.FIRST_GIVEN)
    assert not AuditEntry.objects.exists()


def _second_cancel_in_two_steps(number: int, entry: dict[str, str]) -> None:
    """The control: check (first given, still held) then write, in separate round trips, as
    Python without the script would."""
    client = store.client()
    held = bookings.read_person_number(entry["id_type"], entry["id_number"]) == number
    record = (keys.doses_key(number), keys.doses_field(number))
    if held and client.hget(*record) == "1":
        time.sleep(0.05)  # the other clicks check meanwhile
        client.hincrby(keys.BOOKED2, keys.slot_field(entry["location"], entry["date2"]), -1)
        client.hset(*record, "0")


def together(work: Callable[[int], object], count: int) -> list[object]:
    barrier = threading.Barrier(count)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return work(i)
        except DoseError as error:
            return error.code

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_two_staff_cancelling_one_second_dose_at_once_let_it_go_once(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=3)
    mine = book(1, day)
    other = book(2, day)  # its second dose shares the slot: its place must stay taken
    record(mine.reference, DoseEvent.FIRST_GIVEN)

    results = together(
        lambda _: dose_event(
            reference=mine.reference, event=DoseEvent.SECOND_CANCEL, by="staff:nurse"
        ),
        8,
    )

    assert sum(not isinstance(result, str) for result in results) == 1
    assert booked2(other) == 1
    assert store_problems() == []


def test_the_control_without_the_script_lets_one_second_dose_go_many_times(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=3)
    mine = book(1, day)
    other = book(2, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    number = number_for(mine.reference) or 0
    entry = {name: str(value) for name, value in (bookings.read_entry(number) or {}).items()}

    together(lambda _: _second_cancel_in_two_steps(number, entry), 8)

    assert booked2(other) < 0  # the place was let go more than once: someone else's too


def test_the_scripts_refuse_a_person_who_does_not_hold_the_booking(make_slot: SlotMaker) -> None:
    """Someone who knows a booking's number but names another person gets nothing done."""
    day = make_slot(capacity=2)
    mine = book(1, day)
    number = number_for(mine.reference) or 0
    stranger = keys.person_keys("mykad", booking_request(7, location="", date="").id_number)
    reply = run_script(
        "registration/dose_given",
        keys=[keys.BOOKINGS, keys.doses_key(number), *(bucket for bucket, _ in stranger)],
        args=[
            number,
            "1",
            keys.DOSES_PREFIX,
            keys.DOSES_BUCKET_SIZE,
            *(field for _, field in stranger),
        ],
    )
    assert reply == ["not_found"]
    assert doses_read([number]) == {number: 0}


# The admin: the actions on the live booking page.


def _live(reference: str) -> str:
    return reverse("admin:warehouse_booking_live", args=[reference])


def _doses(reference: str) -> str:
    return reverse("admin:warehouse_booking_doses", args=[reference])


def _staff(client: Client, *codenames: str) -> Client:
    user = User.objects.create_user("nurse", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_booking", *codenames]))
    staff_login(client, user)
    return client


def test_staff_with_the_permission_record_doses_from_the_booking_s_page(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    staff = _staff(client, "record_dose")

    page = staff.get(_live(mine.reference)).content.decode()
    assert "First dose given" in page and mine.second_date in page
    given = staff.post(_doses(mine.reference), {"event": "first_given"}, follow=True)
    assert "First dose recorded as given" in given.content.decode()
    assert "Second dose given" in given.content.decode()

    unticked = staff.post(_doses(mine.reference), {"event": "second_cancel"}, follow=True)
    assert "Tick the box to confirm" in unticked.content.decode()
    assert booked2(mine) == 1

    done = staff.post(
        _doses(mine.reference), {"event": "second_cancel", "confirmed": "on"}, follow=True
    )
    now = reference_for((number_for(mine.reference) or 0) + 2)
    assert done.redirect_chain[-1][0] == _live(now)
    assert "Second dose cancelled" in done.content.decode()
    assert booked2(mine) == 0
    assert list(AuditEntry.objects.filter(actor="nurse", action__startswith="dose_")
                .order_by("at").values_list("action", flat=True)) == [
        "dose_first_given", "dose_second_cancel",
    ]  # fmt: skip


def test_staff_without_the_permission_see_no_actions_and_cannot_post_them(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    staff = _staff(client)

    assert "First dose given" not in staff.get(_live(mine.reference)).content.decode()
    assert staff.post(_doses(mine.reference), {"event": "first_given"}).status_code == 403
    number = number_for(mine.reference) or 0
    assert doses_read([number]) == {number: 0}


def test_a_refusal_or_nonsense_is_said_on_the_page_never_a_500(
    client: Client, make_slot: SlotMaker
) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    staff = _staff(client, "record_dose")

    early = staff.post(_doses(mine.reference), {"event": "no_show", "confirmed": "on"}, follow=True)
    assert "day has not come yet" in early.content.decode()
    odd = staff.post(_doses(mine.reference), {"event": "vaccinate_twice"}, follow=True)
    assert "Choose what happened at the centre" in odd.content.decode()
    missing = staff.post(_doses("AAAA-BBBB"), {"event": "first_given"})
    assert missing.status_code == 302


def test_a_second_dose_moved_after_the_first_was_given_keeps_the_first_given(
    make_slot: SlotMaker,
) -> None:
    """A move replaces the booking with a new number; the doses given are the person's."""
    day = make_slot(capacity=2)
    later = day + datetime.timedelta(days=60)
    slot_set_capacity(location="WTCKL", date=later, capacity=1, dose=2)
    mine = book(1, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    number, person = number_for(mine.reference) or 0, booking_request(1, location="", date="")
    moved = bookings.move(
        id_type="mykad", id_number=person.id_number, phone=person.phone, number=number,
        old_slot=keys.slot_field("WTCKL", day.isoformat()), location="WTCKL",
        date=later.isoformat(), offer_seconds=60,
        second_dates=second_dose_dates(day.isoformat()), second_only=True,
    )  # fmt: skip
    assert moved.outcome == "moved" and moved.second_date == later.isoformat()
    now = reference_for(moved.number)

    with pytest.raises(DoseError) as again:
        record(now, DoseEvent.FIRST_GIVEN)
    assert again.value.code == "already"
    record(now, DoseEvent.SECOND_GIVEN)
    assert doses_read([moved.number]) == {moved.number: 2}
    assert store_problems() == []


def test_the_export_stays_exact_after_a_second_dose_is_let_go(make_slot: SlotMaker) -> None:
    """The log's two entries read as a move to the export: the old booking cancelled, the new
    one (no second dose) a row of its own."""
    day = make_slot(capacity=2)
    mine = book(1, day)
    book(2, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    now = record(mine.reference, DoseEvent.SECOND_CANCEL)

    bookings_export()

    assert bookings_verify().differences == []
    assert Booking.objects.get(reference=mine.reference).cancelled_at is not None
    assert Booking.objects.get(reference=now).cancelled_at is None


def test_the_dose_form_carries_its_csrf_token(make_slot: SlotMaker) -> None:
    day = make_slot(capacity=2)
    mine = book(1, day)
    staff = _staff(Client(enforce_csrf_checks=True), "record_dose")

    page = staff.get(_live(mine.reference)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.split('id="doses"')[1])
    assert token
    given = staff.post(
        _doses(mine.reference), {"event": "first_given", "csrfmiddlewaretoken": token[1]}
    )
    refused = staff.post(_doses(mine.reference), {"event": "second_given"})

    assert given.status_code == 302 and refused.status_code == 403
    assert "dose_second_given" not in AuditEntry.objects.values_list("action", flat=True)


def test_a_booking_whose_first_dose_was_given_is_neither_cancelled_nor_moved(
    make_slot: SlotMaker,
) -> None:
    """The place was used: a no-show recorded at the same moment as the dose, or a person's
    cancel or move afterwards, is refused in the script; only the second dose may still move,
    and once it is given too, nothing does."""
    day = make_slot(capacity=2)
    later = make_slot(capacity=2, date=day + datetime.timedelta(days=2))
    mine = book(1, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    number, person = number_for(mine.reference) or 0, booking_request(1, location="", date="")

    def move(date: datetime.date, *, second_only: bool) -> str:
        return bookings.move(
            id_type="mykad", id_number=person.id_number, phone=person.phone, number=number,
            old_slot=keys.slot_field("WTCKL", day.isoformat()), location="WTCKL",
            date=date.isoformat(), offer_seconds=60,
            second_dates=second_dose_dates((day if second_only else date).isoformat()),
            second_only=second_only,
        ).outcome  # fmt: skip

    assert not booking_cancel(reference=mine.reference, by="staff:nurse", reason="no_show")
    assert move(later, second_only=False) == "dose_given"
    counts = slots.read_slots()
    assert counts.booked[f"WTCKL|{day}"] == 1 and booked2(mine) == 1
    assert bookings.read_person_number("mykad", person.id_number) == number

    # The control: the same cancel before any dose was given goes through.
    other = book(2, day)
    assert booking_cancel(reference=other.reference, by="staff:nurse", reason="no_show")

    slot_set_capacity(location="WTCKL", date=day + datetime.timedelta(days=60), capacity=1, dose=2)
    assert move(day + datetime.timedelta(days=60), second_only=True) == "moved"
    assert store_problems() == []


def test_a_person_is_told_why_after_the_first_dose_they_cannot_cancel(
    make_slot: SlotMaker,
) -> None:
    from appointments.services import appointment_cancel, appointment_current

    day = make_slot(capacity=2)
    mine = book(1, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    person = booking_request(1, location="", date="")
    held = appointment_current(
        number=number_for(mine.reference) or 0, id_type="mykad", id_number=person.id_number
    )
    assert held is not None
    with pytest.raises(BookingError) as refused:
        appointment_cancel(appointment=held)
    assert refused.value.code == "dose_given"
    assert "first dose was given" in message("dose_given")


def test_a_second_dose_let_go_is_said_as_such_not_as_a_change(make_slot: SlotMaker) -> None:
    from confirmations.messages import sms_text
    from confirmations.services import _confirmation, channels_for

    day = make_slot(capacity=2)
    mine = book(1, day)
    record(mine.reference, DoseEvent.FIRST_GIVEN)
    now = record(mine.reference, DoseEvent.SECOND_CANCEL)

    entry = bookings.read_entry(number_for(now) or 0) or {}
    told = _confirmation(now, entry, slots.read_slots().centres)
    assert told.kind == "second_released"
    text = sms_text(told)
    month = datetime.date.fromisoformat(mine.second_date).strftime("%B")
    assert "second dose" in text and month in text and now in text
    assert channels_for(entry) == ["sms"]  # no e-mail of a new booking
