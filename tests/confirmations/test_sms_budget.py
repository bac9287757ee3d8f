"""Confirmations within the SMS budget: a booking's confirmation beyond it waits and is sent
once the budget has room; none is dropped, and waiting is not a failure that spends retries."""

import dataclasses
import datetime
from pathlib import Path
from types import SimpleNamespace

import django_rq
import pytest
from rq.job import Job

from confirmations.jobs import confirmation_resend_job, confirmations_send_job
from confirmations.relay import QUEUE, batch_span
from confirmations.services import confirmations_send
from devstack.people import booking_request
from devstack.sms import sms_lines
from registration.services import booking_create
from tests.slots import SlotMaker
from vaksin import sms_budget


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000 + 30.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The budgets' clock, moved by the test (a real minute is not waited out)."""
    moved = Clock()
    monkeypatch.setattr(sms_budget, "time", SimpleNamespace(time=moved.time))
    return moved


def book(n: int, day: datetime.date) -> str:
    request = dataclasses.replace(booking_request(n, location="WTCKL", date=day))
    return booking_create(request=request).reference


def test_confirmations_beyond_the_budget_wait_for_the_next_minute_and_are_sent(
    make_slot: SlotMaker, sms_file: Path, settings, clock: Clock
) -> None:
    settings.SMS_BUDGET_CONFIRMATIONS_PER_MINUTE = 3
    day = make_slot(location="WTCKL", capacity=10)
    references = [book(n, day) for n in range(5)]

    first = confirmations_send(references=references)
    assert sorted(first.outcomes.values()) == ["over_budget"] * 2 + ["sent"] * 3
    assert first.budget_wait == 30  # the rest of this minute
    assert len(sms_lines(sms_file)) == 3

    clock.now += 30
    waiting = first.having("over_budget")
    assert set(confirmations_send(references=waiting).outcomes.values()) == {"sent"}
    assert sorted(line["id"] for line in sms_lines(sms_file)) == sorted(
        f"{reference}:sms" for reference in references
    )


def test_a_batch_job_queues_what_waits_for_when_the_budget_has_room(
    make_slot: SlotMaker, sms_file: Path, settings, clock: Clock
) -> None:
    settings.SMS_BUDGET_CONFIRMATIONS_PER_MINUTE = 2
    day = make_slot(location="WTCKL", capacity=10)
    references = [book(n, day) for n in range(4)]

    counts = confirmations_send_job(references)  # no raise: waiting is not a failure

    assert counts == {"sent": 2, "over_budget": 2}
    queue = django_rq.get_queue(QUEUE)
    [later] = queue.scheduled_job_registry.get_job_ids()
    job = Job.fetch(later, connection=queue.connection, serializer=queue.serializer)
    assert job.args[0] == references[2:]
    assert batch_span(later) is not None  # staff's look-up and the lag still see it
    clock.now += 60
    assert confirmations_send_job(job.args[0]) == {"sent": 2}


def test_a_resend_beyond_the_budget_waits_too(
    make_slot: SlotMaker, sms_file: Path, settings, clock: Clock
) -> None:
    settings.SMS_BUDGET_CONFIRMATIONS_PER_MINUTE = 1
    day = make_slot(location="WTCKL", capacity=10)
    reference = book(1, day)
    assert confirmations_send(references=[reference]).outcomes[reference] == "sent"

    assert confirmation_resend_job(reference, f"{reference}:resend:1") == "waiting"
    assert len(django_rq.get_queue(QUEUE).scheduled_job_registry.get_job_ids()) == 1
    clock.now += 60
    assert confirmation_resend_job(reference, f"{reference}:resend:1") == "sent"
    assert len(sms_lines(sms_file)) == 2


@pytest.mark.django_db
def test_a_dispute_notice_beyond_the_budget_waits_too(
    make_slot: SlotMaker, sms_file: Path, settings, clock: Clock
) -> None:
    from disputes.jobs import dispute_notice_job
    from disputes.models import Dispute
    from registration.references import number_for

    settings.SMS_BUDGET_CONFIRMATIONS_PER_MINUTE = 1
    day = make_slot(location="WTCKL", capacity=10)
    reference = book(1, day)
    assert confirmations_send(references=[reference]).outcomes[reference] == "sent"
    dispute = Dispute.objects.create(
        number=number_for(reference) or 0, reference=reference, person="p", id_type="mykad",
        id_ending="5555", claimant_phone="+60123450001", claimant_name="Siti",
    )  # fmt: skip

    assert dispute_notice_job(dispute.pk, "dispute-1") == "waiting"
    assert len(django_rq.get_queue(QUEUE).scheduled_job_registry.get_job_ids()) == 1
    clock.now += 60
    assert dispute_notice_job(dispute.pk, "dispute-1") == "sent"
    assert len(sms_lines(sms_file)) == 2
