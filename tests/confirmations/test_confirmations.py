"""Confirmations: one SMS (and e-mail) per booking, in the person's language, even across kills."""

import dataclasses
import datetime
import itertools
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import django_rq
import pytest
import redis
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper
from rq.job import Job, JobStatus, Retry

from confirmations import relay
from confirmations.jobs import confirmations_send_job
from confirmations.relay import QUEUE, relay_run
from confirmations.selectors import confirmation_job_for
from confirmations.services import (
    RECORD_EVERY,
    RECORD_WITHIN_SECONDS,
    ConfirmationsIncomplete,
    confirmations_send,
)
from devstack.people import booking_request, mykad
from devstack.processes import wait_until
from devstack.sms import sends_per_reference, sms_lines
from registration.references import number_for, reference_for
from registration.services import booking_cancel, booking_create
from tests.slots import SlotMaker
from vaksin import store
from vaksin.sms import FileSmsBackend, Sms, SmsError, sms_backend
from vaksin.store import bookings, keys, outbox


def confirmation_send(*, reference: str) -> str:
    """What one booking's send did: "sent", "already_sent", "cancelled", "busy", ..."""
    return confirmations_send(references=[reference]).outcomes[reference]


def stop_after(calls: int) -> Callable[[], bool]:
    counter = itertools.count()
    return lambda: next(counter) >= calls


def another_worker_claims(number: int) -> str:
    """Takes booking `number`'s send claim as another worker mid-send would; returns its key."""
    key = keys.confirmation_claim_key(number)
    store.client().set(key, "another-worker", ex=30)
    return key


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
    entry = bookings.read_entry(number_for(reference) or 0) or {}
    assert line["to"] == entry["phone"]
    assert reference in line["text"]
    assert "World Trade Centre Kuala Lumpur" in line["text"]
    assert f"{day.day} " in line["text"] and str(day.year) in line["text"]
    assert entry["window"] in line["text"]
    assert line["text"].startswith("Vaksin: your vaccination is booked")


def test_the_booking_sms_says_whom_it_booked_by_the_ids_last_digits(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    """A family books several people from one phone: each SMS says which of them it is for."""
    day = make_slot(location="WTCKL", name="World Trade Centre Kuala Lumpur", capacity=5)
    reference = book(3, day)

    confirmation_send(reference=reference)

    [line] = sms_lines(sms_file)
    assert f"booked for ID ending {mykad(3)[-4:]}. Ref {reference}." in line["text"]


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
    another_worker_claims(number_for(reference) or 0)

    assert confirmation_send(reference=reference) == "busy"

    assert sms_lines(sms_file) == []


def test_a_booking_cancelled_before_its_confirmation_gets_none(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(capacity=5)
    reference = book(6, day)
    booking_cancel(reference=reference, by="test")

    assert confirmation_send(reference=reference) == "cancelled"
    assert sms_lines(sms_file) == []


class RefusingGateway(FileSmsBackend):
    """A gateway that refuses messages to some numbers, `refusals[phone]` times each."""

    refusals: ClassVar[dict[str, int]] = {}

    def send(self, message: Sms) -> None:
        if self.refusals.get(message.to, 0) > 0:
            self.refusals[message.to] -= 1
            raise SmsError("gateway answered 500")
        super().send(message)


@pytest.fixture
def refusing_gateway(sms_file: Path, settings: SettingsWrapper) -> dict[str, int]:
    """The file backend behind a gateway that refuses the numbers put in the returned dict."""
    settings.SMS_BACKEND = f"{__name__}.RefusingGateway"
    sms_backend.cache_clear()
    RefusingGateway.refusals = {}
    return RefusingGateway.refusals


def phone_of(reference: str) -> str:
    return (bookings.read_entry(number_for(reference) or 0) or {})["phone"]


def queued_batches() -> dict[str, list[str]]:
    """The confirmation jobs waiting in the queue: job id -> the references it carries."""
    queue = django_rq.get_queue(QUEUE)
    return {job.id: list(job.args[0]) for job in queue.get_jobs()}


def run_worker() -> None:
    """A real confirmation worker in this process, until the queue is empty (retries included)."""
    django_rq.get_worker(QUEUE).work(burst=True, with_scheduler=False)


def relay_and_send_with_a_refusal(
    day: datetime.date, refusing_gateway: dict[str, int], *, people: range, refused: int, times: int
) -> tuple[list[str], str]:
    """Books `people`, has the gateway refuse the `refused`-th of them `times` times, relays the
    bookings as one batch and runs a worker; returns the references and the batch's job id."""
    references = [book(i, day) for i in people]
    refusing_gateway[phone_of(references[refused])] = times
    relay_run(consumer="t", block_ms=10, should_stop=stop_after(3))
    [job_id] = queued_batches()
    run_worker()
    return references, job_id


def test_a_batch_sends_each_booking_once_and_nothing_to_a_cancelled_one(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(30, 34)]
    with_email = book(34, day, email="siti@example.com", lang="ms")
    booking_cancel(reference=references[1], by="test")

    first = confirmations_send_job([*references, with_email])
    again = confirmations_send_job([*references, with_email])

    assert first == {"sent": 4, "cancelled": 1}
    assert again == {"already_sent": 4, "cancelled": 1}
    sends = sends_per_reference(sms_file)
    assert sends == Counter({ref: 1 for ref in [*references, with_email] if ref != references[1]})
    [message] = mail.outbox
    assert message.to == ["siti@example.com"] and "Janji temu" in message.subject


def recorded_groups(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The groups of booking numbers the worker records as sent, one list per round trip."""
    groups: list[list[int]] = []
    record = outbox.confirmation_record_sent

    def recording(records: list[outbox.SentRecord]) -> None:
        groups.append([each.number for each in records])
        record(records)

    monkeypatch.setattr(outbox, "confirmation_record_sent", recording)
    return groups


def test_a_batch_records_its_sends_in_groups_not_one_round_trip_per_message(
    make_slot: SlotMaker, sms_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = make_slot(capacity=100)
    references = [book(i, day) for i in range(2 * RECORD_EVERY + 5)]
    groups = recorded_groups(monkeypatch)

    assert confirmations_send_job(references) == {"sent": len(references)}

    assert [len(group) for group in groups] == [RECORD_EVERY, RECORD_EVERY, 5]
    numbers = [number_for(reference) or 0 for reference in references]
    assert [number for group in groups for number in group] == numbers
    assert all(outbox.confirmation_sent(number, ["sms"])["sms"] for number in numbers)


def test_behind_a_slow_gateway_each_send_is_recorded_as_soon_as_it_went_out(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kill then repeats at most the one message in flight, as with a record per message.
    settings.CONFIRMATION_SLOW_SEND_MS = int(RECORD_WITHIN_SECONDS * 1000) + 10
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(3)]
    groups = recorded_groups(monkeypatch)

    assert confirmations_send_job(references) == {"sent": 3}

    assert groups == [[number_for(reference)] for reference in references]


def test_a_batch_with_one_failing_send_retries_only_that_one(
    make_slot: SlotMaker, sms_file: Path, refusing_gateway: dict[str, int]
) -> None:
    references, job_id = relay_and_send_with_a_refusal(
        make_slot(capacity=10), refusing_gateway, people=range(40, 45), refused=2, times=1
    )

    # The first run sent the other four and raised; RQ's retry sent the refused one only.
    lines = sms_lines(sms_file)
    assert [line["id"].split(":")[0] for line in lines] == [
        *references[:2],
        *references[3:],
        references[2],
    ]
    job = Job.fetch(job_id, connection=django_rq.get_connection(QUEUE))
    assert job.get_status() == JobStatus.FINISHED
    assert job.retries_left == relay.RETRY.max - 1


def test_a_batch_that_keeps_failing_is_shown_to_staff_with_the_booking_it_could_not_send(
    make_slot: SlotMaker,
    sms_file: Path,
    refusing_gateway: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    admin_client: Client,
) -> None:
    monkeypatch.setattr(relay, "RETRY", Retry(max=1))
    references, job_id = relay_and_send_with_a_refusal(
        make_slot(capacity=10), refusing_gateway, people=range(50, 54), refused=0, times=99
    )

    queue = django_rq.get_queue(QUEUE)
    assert queue.failed_job_registry.get_job_ids() == [job_id]
    job = Job.fetch(job_id, connection=queue.connection)
    assert references[0] in (job.latest_result().exc_string or "")  # type: ignore[union-attr]
    assert sends_per_reference(sms_file) == Counter({ref: 1 for ref in references[1:]})
    assert (found := confirmation_job_for(reference=references[0]))
    assert (found.id, found.status) == (job_id, "failed")
    page = admin_client.get(reverse("admin:warehouse_booking_live", args=[references[0]]))
    assert f"job: {job_id}, failed" in page.content.decode()


def test_a_batch_sends_around_a_booking_another_worker_is_sending_and_retries_it(
    make_slot: SlotMaker, sms_file: Path
) -> None:
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(60, 63)]
    claim = another_worker_claims(number_for(references[1]) or 0)

    with pytest.raises(ConfirmationsIncomplete, match=references[1]):
        confirmations_send_job(references)

    assert sends_per_reference(sms_file) == Counter({references[0]: 1, references[2]: 1})
    store.client().delete(claim)  # that worker finished without sending: the retry sends
    assert confirmations_send_job(references) == {"already_sent": 2, "sent": 1}
    assert sends_per_reference(sms_file) == Counter({ref: 1 for ref in references})


@pytest.mark.slow
def test_a_batch_out_of_time_leaves_the_rest_to_a_job_of_its_own_not_to_a_retry(
    make_slot: SlotMaker, sms_file: Path, settings: SettingsWrapper
) -> None:
    # Half of a 2 s job timeout is a 1 s budget: three sends of 0.4 s each fit in it.
    settings.CONFIRMATION_JOB_TIMEOUT = 2
    settings.CONFIRMATION_SLOW_SEND_MS = 400
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(70, 76)]
    relay_run(consumer="t", block_ms=10, should_stop=stop_after(3))

    run_worker()

    assert sends_per_reference(sms_file) == Counter({ref: 1 for ref in references})
    queue = django_rq.get_queue(QUEUE)
    finished = queue.finished_job_registry.get_job_ids()
    assert len(finished) >= 2 and queue.failed_job_registry.count == 0
    for job_id in finished:
        assert Job.fetch(job_id, connection=queue.connection).retries_left == relay.RETRY.max


def test_the_relay_enqueues_one_job_per_batch_and_acknowledges_every_entry(
    make_slot: SlotMaker, settings: SettingsWrapper
) -> None:
    settings.CONFIRMATION_BATCH_SIZE = 3
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(10, 15)]
    booking_cancel(reference=references[0], by="test")  # not a booking: its own SMS
    cancellation = reference_for(bookings.read_last_number())

    relay_run(consumer="t", block_ms=10, should_stop=stop_after(5))

    numbers = [number_for(reference) or 0 for reference in references]
    assert queued_batches() == {
        f"confirmations-{numbers[0]}-{numbers[2]}": references[:3],
        f"confirmations-{numbers[3]}-{numbers[4] + 1}": [*references[3:], cancellation],
    }
    assert outbox.outbox_backlog() == (0, 0)


@pytest.mark.parametrize(("wait_ms", "jobs"), [(50, 1), (0, 2)])
def test_the_relay_waits_a_moment_for_a_batch_to_fill_rather_than_enqueue_a_job_per_booking(
    make_slot: SlotMaker,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
    wait_ms: int,
    jobs: int,
) -> None:
    settings.CONFIRMATION_BATCH_WAIT_MS = wait_ms
    day = make_slot(capacity=10)
    references = [book(90, day)]
    read = outbox.outbox_read

    def read_while_more_arrive(**options: Any) -> outbox.Entries:
        found = read(**options)
        if found and len(references) == 1:
            references.extend(book(i, day) for i in (91, 92))
        return found

    monkeypatch.setattr(outbox, "outbox_read", read_while_more_arrive)
    relay_run(consumer="t", block_ms=10, should_stop=stop_after(4))

    batches = list(queued_batches().values())
    assert len(batches) == jobs
    assert [ref for batch in batches for ref in batch] == references


class RelayKilled(Exception):
    pass


def test_a_relay_killed_between_enqueue_and_ack_relays_again_without_duplicates(
    make_slot: SlotMaker, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CONFIRMATION_BATCH_SIZE = 2
    day = make_slot(capacity=10)
    references = [book(i, day) for i in range(20, 25)]

    # The first relay reads the entries and enqueues their jobs, then dies before acknowledging.
    def killed(entry_ids: list[str]) -> None:
        raise RelayKilled

    monkeypatch.setattr(outbox, "outbox_ack", killed)
    with pytest.raises(RelayKilled):
        relay_run(consumer="t", block_ms=10, should_stop=stop_after(5))
    enqueued = queued_batches()
    assert outbox.outbox_backlog() == (0, 5)
    monkeypatch.undo()

    restarted = relay_run(consumer="t", block_ms=10, should_stop=stop_after(5))

    assert restarted.jobs == 0
    assert queued_batches() == enqueued
    assert sorted(ref for batch in enqueued.values() for ref in batch) == sorted(references)
    assert outbox.outbox_backlog() == (0, 0)


def unsent_claims(client: redis.Redis) -> set[int]:
    """Bookings whose send is claimed by a worker but not recorded as done."""
    numbers = {int(key.rsplit(":", 1)[1]) for key in client.scan_iter(f"{keys.PREFIX}:sending:*")}
    return {n for n in numbers if not any(outbox.confirmation_sent(n, ["sms"]).values())}


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

    # Kill the only worker while it holds claims: in the middle of a batch, part of it sent and
    # recorded, the rest claimed and not sent. Its retry must skip the first part.
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
