"""The RQ dashboard (django-rq) in the admin, only for staff holding audit.manage_queues, with
every change to a queue in the audit trail.

django-rq's own views check only is_staff: any member of staff could empty or delete the
confirmation queue, and nothing recorded it. Here every one of its views (its JSON and metrics
views too) is wrapped: the admin site's own check first (staff, and a session verified by a
second factor), then the permission, 403 without it. A POST to a view that changes a queue
writes its audit row first, in the transaction around the change, as availability/staff.py
does: a change whose row cannot be written is not made, and a change that fails leaves no row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django_rq import admin as rq_admin
from django_rq import stats_views
from django_rq.queues import get_queue_by_index
from django_rq.settings import get_queues_list
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns
from rq.exceptions import NoSuchJobError
from rq.job import Job

from audit.services import audit_record, staff_address

PERMISSION = "audit.manage_queues"

# django-rq's views (by URL name) whose POST changes a queue: the audit action, and its outcome.
QUEUE_CHANGES = {
    "django_rq_clear": ("queue_empty", "emptied"),
    "django_rq_requeue_all": ("queue_requeue_failed", "failed jobs requeued"),
    "django_rq_delete_failed_jobs": ("queue_delete_failed", "failed jobs deleted"),
    "django_rq_delete_job": ("job_delete", "deleted"),
    "django_rq_requeue_job": ("job_requeue", "requeued"),
    "django_rq_enqueue_job": ("job_enqueue", "enqueued"),
    "django_rq_stop_job": ("job_stop", "stop sent to its worker"),
    "django_rq_actions": ("jobs", ""),
}
# What django-rq's bulk form may post as `action`; anything else changes nothing.
BULK_ACTIONS = ("delete", "requeue", "stop")


@dataclass(frozen=True)
class QueueChange:
    action: str
    target: str
    before: str
    after: str


def queue_change(
    request: HttpRequest, *, name: str, queue_index: int, job_id: str | None
) -> QueueChange | None:
    """What the POST to django-rq's view `name` is about to change, or None for nothing."""
    action, outcome = QUEUE_CHANGES[name]
    queue = get_queue_by_index(queue_index)
    if action == "jobs":
        chosen, job_ids = request.POST.get("action", ""), request.POST.getlist("job_ids")
        if chosen not in BULK_ACTIONS or not job_ids:
            return None
        return QueueChange(
            f"jobs_{chosen}", queue.name, f"{len(job_ids)} jobs", f"{chosen}: {' '.join(job_ids)}"
        )
    if job_id is not None:
        job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        return QueueChange(action, f"{queue.name} {job_id}"[:100], str(job.get_status()), outcome)
    failed = len(queue.failed_job_registry)
    before = f"{queue.count} queued" if action == "queue_empty" else f"{failed} failed"
    return QueueChange(action, queue.name, before, outcome)


def _queue_known(kwargs: dict[str, Any]) -> bool:
    index = kwargs.get("queue_index")
    return index is None or 0 <= index < len(get_queues_list())


class QueueAdmin(rq_admin.QueueAdmin):
    """django-rq's dashboard, its views wrapped (see the module's docstring)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def get_urls(self) -> list[URLPattern]:
        django_rq_urls = get_api_urlpatterns("django_rq_") + get_admin_urlpatterns("django_rq_")
        dashboard = self.guarded(stats_views.stats, name=None)
        return [
            URLPattern(
                url.pattern, self.guarded(url.callback, name=url.name), url.default_args, url.name
            )
            for url in django_rq_urls
        ] + [path("", dashboard, name="django_rq_dashboard_changelist")]

    def guarded(self, view: Callable[..., HttpResponse], *, name: str | None) -> Any:
        changes = name in QUEUE_CHANGES

        @wraps(view)
        def queue_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(PERMISSION):
                raise PermissionDenied
            if not _queue_known(kwargs):
                raise Http404("No such queue.")
            request.current_app = self.admin_site.name
            try:
                if request.method == "POST" and changes:
                    return self.audited(request, view, name=str(name), **kwargs)
                return view(request, *args, **kwargs)
            except NoSuchJobError:
                raise Http404("No such job.") from None

        return self.admin_site.admin_view(queue_view)

    @staticmethod
    def audited(
        request: HttpRequest, view: Callable[..., HttpResponse], *, name: str, **kwargs: Any
    ) -> HttpResponse:
        with transaction.atomic():
            change = queue_change(
                request, name=name, queue_index=kwargs["queue_index"], job_id=kwargs.get("job_id")
            )
            if change is not None:
                audit_record(
                    actor=request.user.get_username(),
                    action=change.action,
                    target=change.target,
                    before=change.before,
                    after=change.after,
                    address=staff_address(request),
                )
            return view(request, **kwargs)
