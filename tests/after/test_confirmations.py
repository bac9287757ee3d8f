"""Confirmations: one SMS (and e-mail) per booking, in the person's language, even across kills."""

import dataclasses
import datetime
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import django_rq
import pytest
import redis
from django.core import mail
from pytest_django.fixtures import Settings as SettingsWrapper

from registration.confirmations.relay import QUEUE, job_id_for, relay_entries, relay_run
from registration.confirmations.services import ConfirmationBusy, confirmation_send
from registration.references import number_for
from registration.services import booking_cancel, booking_create
from tests.after.conftest import sends_per_reference, sms_lines, wait_until
from tests.conftest import SlotMaker
from tests.people import booking_request
from vaksin import store


def stop_after(calls: int) -> Callable[[], bool]:
    counter = itertools.count()
    return lambda: next(counter) >= calls


def book(i: int, day: datetime.date, **changes: str) -> str:
    request = dataclasses.replace(booking_request(i, location="WTCKL", date=day), **changes)
    return booking_create(request=request).reference


def test_a_booking_gets_an_sms_with_its_reference_centre_date_and_window(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(location="WTCKL", name="World Trade Centre Kuala Lumpur", capacity=5)
    reference = book(1, day)

    assert confirmation_send(reference=reference) == "sent"

    [line] = sms_lines(sms_file)
    entry = store.read_entry(number_for(reference) or 0) or {}
    assert line["to"] == entry["phone"]
    assert reference in line["text"]
    assert "World Trade Centre Kuala Lumpur" in line["text"]
    assert f"{day.day} " in line["text"] and str(day.year) in line["text"]
    assert entry["window"] in line["text"]
    assert line["text"].startswith("Vaksin: your vaccination is booked")


def test_a_person_who_booked_in_malay_gets_the_sms_in_malay(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(capacity=5)
    reference = book(2, day, lang="ms")

    confirmation_send(reference=reference)

    [line] = sms_lines(sms_file)
    assert "janji temu vaksinasi anda telah ditempah" in line["text"]
    assert "Rujukan" in line["text"]


def test_an_email_is_sent_too_when_the_person_gave_one(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    day = make_slot(capacity=5)
    reference = book(3, day, email="aminah@example.com", lang="ms")

    confirmation_send(reference=reference)
    confirmation_send(reference=reference)

    [message] = mail.outbox
    assert message.to == ["aminah@example.com"]
    assert reference in message.subject and "Janji temu" in message.subject
    assert len(sms_lines(sms_file)) == 1


def test_sending_a_confirmation_again_sends_nothing(make_slot: SlotMaker, sms_file: Path) -> None:
    day = make_slot(capacity=5)
    reference = book(4, day)

    outcomes = [confirmation_send(reference=reference) for _ in range(3)]

    assert outcomes == ["sent", "already_sent", "already_sent"]
    assert len(sms_lines(sms_file)) == 1


def test_a_send_another_worker_is_making_is_retried_later_not_doubled(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(capacity=5)
    reference = book(5, day)
    held = store.confirmation_claim(number_for(reference) or 0, seconds=30)

    with pytest.raises(ConfirmationBusy):
        confirmation_send(reference=reference)

    assert sms_lines(sms_file) == []
    assert held is not None


def test_a_booking_cancelled_before_its_confirmation_gets_none(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(capacity=5)
    reference = book(6, day)
    booking_cancel(reference=reference, by="test")

    assert confirmation_send(reference=reference) == "cancelled"
    assert sms_lines(sms_file) == []


def test_the_relay_enqueues_one_job_per_booking_and_acknowledges_the_batch(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(10, 14)]
    booking_cancel(reference=references[0], by="test")

    relay_run(consumer="t", block_ms=10, should_stop=stop_after(5))

    queue = django_rq.get_queue(QUEUE)
    assert sorted(queue.job_ids) == sorted(job_id_for(reference) for reference in references)
    assert store.outbox_backlog() == (0, 0)


def test_a_relay_killed_between_enqueue_and_ack_relays_again_without_duplicates(
    make_slot: SlotMaker,
) -> None:
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(20, 25)]
    store.outbox_group_create()
    queue = django_rq.get_queue(QUEUE)
    # The first relay read the batch and enqueued part of it, then died before acknowledging.
    taken = store.outbox_read(consumer="t", count=100, block_ms=10)
    relay_entries(taken[:2], queue=queue)
    store.client().xgroup_setid(store.BOOKINGS, store.OUTBOX_GROUP, "$")  # keep the rest pending
    assert store.outbox_backlog()[1] == 3

    relay_run(consumer="t", block_ms=10, should_stop=stop_after(5))

    assert sorted(queue.job_ids) == sorted(job_id_for(reference) for reference in references)
    assert store.outbox_backlog() == (0, 0)


def unsent_claims(client: redis.Redis) -> set[int]:
    """Bookings whose send is claimed by a worker but not recorded as done."""
    numbers = {int(key.rsplit(":", 1)[1]) for key in client.scan_iter(f"{store.PREFIX}:sending:*")}
    return {n for n in numbers if not any(store.confirmation_sent(n, ["sms"]).values())}


@pytest.mark.e2e
@pytest.mark.slow
def test_every_booking_gets_exactly_one_sms_when_a_worker_and_the_relay_are_killed_mid_send(
    make_slot: SlotMaker, confirmation_stack, redis_client: redis.Redis
) -> None:
    day = make_slot(capacity=200)
    stack = confirmation_stack(
        CONFIRMATION_SLOW_SEND_MS="300",
        CONFIRMATION_JOB_TIMEOUT="6",
        CONFIRMATION_MAINTENANCE_SECONDS="2",
    )
    relay, worker = stack.relay(), stack.worker()
    references = [book(i, day) for i in range(100, 130)]
    assert wait_until(lambda: len(sms_lines(stack.sms_path)) >= 3, seconds=30)

    # Kill the only worker while it holds a claim: in the middle of a send.
    assert wait_until(lambda: bool(unsent_claims(redis_client)), seconds=5, step=0.01)
    stack.kill(worker)
    stack.kill(relay)
    interrupted = unsent_claims(redis_client)
    time.sleep(1)
    assert interrupted and unsent_claims(redis_client) == interrupted

    references += [book(i, day) for i in range(130, 140)]
    stack.relay()
    stack.worker()
    stack.worker()

    assert wait_until(
        lambda: set(sends_per_reference(stack.sms_path)) == set(references), seconds=75, step=0.5
    )
    sends = sends_per_reference(stack.sms_path)
    assert all(sends[reference] == 1 for reference in references)
    assert len(sms_lines(stack.sms_path)) == len(references)
