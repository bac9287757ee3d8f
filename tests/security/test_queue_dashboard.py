"""The RQ dashboard: a member of staff without audit.manage_queues can neither see nor change
the queues; with it, every change works and leaves an audit row."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_rq
import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django_rq.settings import get_queues_map
from rq.job import Job, JobStatus

from audit.models import AuditEntry
from tests.staff import staff_login

QUEUE = "confirmations"
JOB = "confirmations.jobs.no_such_function"  # never run: these tests only move jobs around


def queue() -> Any:
    return django_rq.get_queue(QUEUE)


def queue_index() -> int:
    return get_queues_map()[QUEUE]


def queued_job() -> Job:
    return queue().enqueue(JOB)


def failed_job() -> Job:
    job = queued_job()
    queue().remove(job)
    job.set_status(JobStatus.FAILED)
    queue().failed_job_registry.add(job, ttl=3600, exc_string="gateway down")
    return job


def deferred_job() -> Job:
    return queue().enqueue(JOB, depends_on=queued_job())


def queued(job: Job) -> bool:
    return job.id in queue().job_ids


def gone(job: Job) -> bool:
    return not Job.exists(job.id, connection=queue().connection)


def emptied(job: Job) -> bool:
    return queue().count == 0


def stop_sent(job: Job) -> bool:
    # A queued job runs on no worker, so nothing stops: only the attempt and its row show.
    return True


def no_form(job: Job) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Change:
    view: str
    make_job: Callable[[], Job]
    done: Callable[[Job], bool]
    action: str
    per_job: bool = False
    form: Callable[[Job], dict[str, Any]] = no_form


CHANGES = [
    Change("clear", queued_job, emptied, "queue_empty"),
    Change("requeue_all", failed_job, queued, "queue_requeue_failed"),
    Change("delete_failed_jobs", failed_job, gone, "queue_delete_failed"),
    Change("delete_job", queued_job, gone, "job_delete", per_job=True),
    Change("requeue_job", failed_job, queued, "job_requeue", per_job=True),
    Change("enqueue_job", deferred_job, queued, "job_enqueue", per_job=True),
    Change("stop_job", queued_job, stop_sent, "job_stop", per_job=True),
    Change(
        "actions",
        queued_job,
        gone,
        "jobs_delete",
        form=lambda job: {"action": "delete", "job_ids": [job.id]},
    ),
]


def change_url(change: Change, job: Job) -> str:
    args = [queue_index(), job.id] if change.per_job else [queue_index()]
    return reverse(f"admin:django_rq_{change.view}", args=args)


def queue_audit() -> list[AuditEntry]:
    return list(AuditEntry.objects.exclude(action__in=["login", "logout"]))


def grant_queues(user: User) -> None:
    user.user_permissions.add(Permission.objects.get(codename="manage_queues"))


@pytest.fixture
def queue_manager(staff: User) -> User:
    grant_queues(staff)
    return staff


def test_a_staff_user_without_permission_cannot_empty_the_confirmation_queue(
    client: Client, staff: User
) -> None:
    job = queued_job()
    staff_login(client, staff)

    response = client.post(reverse("admin:django_rq_clear", args=[queue_index()]))

    assert response.status_code == 403
    assert queued(job)
    assert not queue_audit()


def test_a_queue_manager_empties_the_confirmation_queue_and_it_is_audited(
    client: Client, queue_manager: User
) -> None:
    queued_job()
    queued_job()
    staff_login(client, queue_manager)

    response = client.post(reverse("admin:django_rq_clear", args=[queue_index()]))

    assert response.status_code == 302
    assert queue().count == 0
    [entry] = queue_audit()
    assert (entry.actor, entry.action, entry.target, entry.before, entry.after) == (
        "alice",
        "queue_empty",
        QUEUE,
        "2 queued",
        "emptied",
    )
    assert entry.address == "127.0.0.1"


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.view)
def test_each_queue_change_needs_the_permission_and_is_audited(
    client: Client, staff: User, change: Change
) -> None:
    job = change.make_job()
    staff_login(client, staff)

    refused = client.post(change_url(change, job), change.form(job))
    assert refused.status_code == 403
    assert not queue_audit()
    if change.view != "stop_job":
        assert not change.done(job)

    grant_queues(staff)
    made = client.post(change_url(change, job), change.form(job))
    assert made.status_code == 302
    assert change.done(job)
    [entry] = queue_audit()
    assert (entry.actor, entry.action) == ("alice", change.action)
    assert QUEUE in entry.target


@pytest.mark.parametrize(
    "view, args",
    [("dashboard_changelist", []), ("home_json", []), ("jobs", [0]), ("failed_jobs", [0])],
)
def test_without_the_permission_the_dashboard_shows_nothing(
    client: Client, staff: User, view: str, args: list[int]
) -> None:
    staff_login(client, staff)

    assert client.get(reverse(f"admin:django_rq_{view}", args=args)).status_code == 403


def test_the_dashboard_opens_for_a_queue_manager(client: Client, queue_manager: User) -> None:
    staff_login(client, queue_manager)

    assert client.get(reverse("admin:django_rq_dashboard_changelist")).status_code == 200
    assert client.get(reverse("admin:django_rq_jobs", args=[queue_index()])).status_code == 200


def test_an_unknown_job_or_queue_is_not_found(client: Client, queue_manager: User) -> None:
    staff_login(client, queue_manager)

    unknown_job = reverse("admin:django_rq_delete_job", args=[queue_index(), "no-such-job"])
    assert client.post(unknown_job).status_code == 404
    assert client.get(reverse("admin:django_rq_jobs", args=[99])).status_code == 404
    assert not queue_audit()
