from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_rq.models import Dashboard

from audit.models import AuditEntry
from audit.queues import QueueAdmin

# django-rq's dashboard, behind audit.manage_queues (RQ_SHOW_ADMIN_LINK is off for this).
admin.site.register(Dashboard, QueueAdmin)


class StaffPages:
    """For a ModelAdmin with pages of its own: the context every admin page needs."""

    admin_site: admin.AdminSite
    model: Any

    def page_context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits by hand: the audit trail, the export's watermark."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target", "before", "after", "address"]
    list_filter = ["action"]
    search_fields = ["=target", "=actor"]
    date_hierarchy = "at"
