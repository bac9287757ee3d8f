"""The staff's queue of disputed bookings: each one's booking as Redis holds it now, and the
three decisions (give it to the person's phone, cancel it, leave it), each taken only with the
ID number of the MyKad or passport staff have in front of them, and audited."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from audit.admin import ReadOnlyAdmin, StaffPages
from audit.services import staff_address, staff_read_record
from disputes.models import Dispute
from disputes.services import DisputeRefused, dispute_cancel, dispute_reject, dispute_transfer
from registration.selectors import appointment_of
from vaksin import store
from vaksin.store import bookings

DECISIONS = {
    "transfer": "Give the booking to the person's phone",
    "cancel": "Cancel the booking",
    "reject": "Leave the booking as it is",
}


class DecisionForm(forms.Form):
    id_number_seen = forms.CharField(
        label="ID number on the MyKad or passport you have seen",
        max_length=40,
        required=False,
        help_text="Needed to give the booking away or to cancel it: it must be the booking's.",
    )
    note = forms.CharField(
        label="How you checked it, and why",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Kept in the audit trail, like: MyKad seen at PPV WTCKL, photo matches.",
    )


@admin.register(Dispute)
class DisputeAdmin(StaffPages, ReadOnlyAdmin):
    list_display = ["reference", "id_type", "id_ending", "status", "opened_at", "resolved_by"]
    list_filter = ["status"]
    search_fields = ["=reference"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        return super().get_queryset(request).order_by("-status", "opened_at")

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="disputes_dispute_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:disputes_dispute_decide", args=[object_id]))

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        dispute = Dispute.objects.filter(pk=pk).first()
        if dispute is None:
            return HttpResponseRedirect(reverse("admin:disputes_dispute_changelist"))
        may_decide = request.user.has_perm("disputes.resolve_dispute")
        form = DecisionForm(request.POST or None)
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            decision = request.POST.get("decision", "")
            decided = decision in DECISIONS and form.is_valid()
            if decided and self._decide(request, dispute, decision, form.cleaned_data):
                return HttpResponseRedirect(request.path)
        try:
            entry = bookings.read_entry(dispute.number)
        except store.StoreError:
            entry = None
            messages.error(request, "Redis did not answer: the booking cannot be shown now.")
        booking = appointment_of(dispute.number, entry, status="") if entry else None
        staff_read_record(request, action="view", target=dispute.reference, detail="dispute")
        context = self.page_context(
            request,
            f"Disputed booking {dispute.reference}",
            dispute=dispute,
            booking=booking,
            name_on_booking=(entry or {}).get("name", ""),
            form=form,
            decisions=DECISIONS,
            may_decide=may_decide and dispute.status == Dispute.OPEN,
        )
        return TemplateResponse(request, "admin/disputes/dispute/decide.html", context)

    def _decide(
        self, request: HttpRequest, dispute: Dispute, decision: str, data: dict[str, str]
    ) -> bool:
        actor, address = request.user.get_username(), staff_address(request)
        seen, note = data["id_number_seen"], data["note"]
        try:
            if decision == "transfer":
                reference = dispute_transfer(
                    dispute=dispute, id_number_seen=seen, note=note, actor=actor, address=address
                )
                messages.success(
                    request,
                    f"The booking is now the person's, as {reference}: it goes to their phone by "
                    "SMS, and the phone it was made from is told it is cancelled.",
                )
            elif decision == "cancel":
                dispute_cancel(
                    dispute=dispute, id_number_seen=seen, note=note, actor=actor, address=address
                )
                messages.success(request, "The booking is cancelled: the person may book now.")
            else:
                dispute_reject(dispute=dispute, note=note, actor=actor, address=address)
                messages.success(request, "The booking stays as it was.")
        except DisputeRefused as refused:
            messages.error(request, str(refused))
            return False
        return True
