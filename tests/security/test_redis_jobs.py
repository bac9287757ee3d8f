"""Whoever can write to Redis must not run code in our processes. Before these fixes a worker
unpickled every job (a pickle runs code as it is read) and called whatever function a job
named, and staff sessions were pickled too: each test below failed on that code."""

import pickle
from typing import Any

import django_rq
import pytest
from django.core.cache import caches
from django.test import Client
from rq.job import Job
from rq.serializers import PickleSerializer

from vaksin import store

MARK = "{vk}:test-code-ran"


def ran(why: str) -> None:
    """What a planted job or pickle runs: leaves a mark in Redis."""
    store.client().rpush(MARK, why)


class Planted:
    """A pickle that runs `ran` when it is read."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (ran, ("unpickled",))


def marks() -> list[str]:
    return store.client().lrange(MARK, 0, -1)


def test_a_job_naming_any_other_function_is_refused() -> None:
    queue = django_rq.get_queue("confirmations")
    job = queue.enqueue(f"{__name__}.ran", "called")

    django_rq.get_worker("confirmations").work(burst=True, with_scheduler=False)

    assert marks() == []
    assert queue.failed_job_registry.get_job_ids() == [job.id]
    failed = Job.fetch(job.id, connection=queue.connection, serializer=queue.serializer)
    result = failed.latest_result()
    assert result and "is not a job this worker runs" in (result.exc_string or "")


def test_the_control_an_allowed_job_runs() -> None:
    queue = django_rq.get_queue("confirmations")
    job = queue.enqueue("confirmations.jobs.confirmations_send_job", [])
    django_rq.get_worker("confirmations").work(burst=True, with_scheduler=False)
    assert queue.finished_job_registry.get_job_ids() == [job.id]  # it ran


def test_a_pickled_job_written_to_redis_is_never_unpickled() -> None:
    queue = django_rq.get_queue("confirmations")
    # As an insider would write it: an allowed function, with a pickle among its arguments.
    planted = Job.create(
        "confirmations.jobs.confirmations_send_job",
        args=(Planted(),),
        connection=queue.connection,
        serializer=PickleSerializer,
        id="planted",
    )
    planted.save()
    queue.push_job_id(planted.id)

    django_rq.get_worker("confirmations").work(burst=True, with_scheduler=False)

    assert marks() == []


@pytest.mark.django_db
def test_a_pickled_staff_session_written_to_redis_is_never_unpickled(client: Client) -> None:
    sessions = caches["sessions"]
    session_key = "planted" * 5  # the shape of a session key (8 characters or more)
    key = sessions.make_key(f"django.contrib.sessions.cached_db{session_key}")
    store.client().set(key, pickle.dumps({"_auth_user_id": Planted()}), ex=60)
    client.cookies["sessionid"] = session_key

    answer = client.get("/admin/")

    assert marks() == []
    assert answer.status_code == 302  # not a session: to the login page


def test_every_job_the_product_enqueues_is_allowed() -> None:
    from appointments.services import RESEND_JOB
    from confirmations import relay
    from confirmations.allowed_jobs import ALLOWED_JOBS
    from confirmations.jobs import confirmation_resend_job
    from disputes.services import NOTICE_JOB

    # The one-time codes are no job: the relay sends them from their outbox (phones/sending.py).
    resend_later = f"{confirmation_resend_job.__module__}.{confirmation_resend_job.__name__}"
    enqueued = {RESEND_JOB, relay.JOB, NOTICE_JOB, resend_later}
    assert enqueued <= ALLOWED_JOBS
