"""Staff admin for bookings: the exported warehouse rows, and any booking live from Redis with
its confirmation's progress and a cancel button. ID numbers are masked in every list.

Every page here shows a person's details, so each one shown is recorded in the audit trail like
a change: a list of bookings ("view_list"), one booking ("view") and a search ("search", the
term kept only as a reference or a keyed fingerprint: audit.services.search_fingerprint)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from audit.admin import ReadOnlyAdmin, StaffPages
from audit.services import audit_record, search_fingerprint, staff_address, staff_read_record
from registration.dose_admin import dose_view
from registration.references import number_for, reference_for
from registration.staff import staff_booking_cancel
from vaksin import store
from vaksin.store.staff_searches import SEARCH_SECONDS, staff_search_put, staff_search_read
from warehouse.models import Booking, ExportWatermark, SetAsideBooking
from warehouse.set_aside import set_aside_retry
from warehouse.staff_selectors import (
    LiveBooking,
    booking_live,
    booking_references_for,
    cancellation_sms,
    mask_id_number,
)


class FindForm(forms.Form):
    query = forms.CharField(
        label="Reference or ID number", max_length=40, help_text="Like K7Q-X3M-HA2, or a MyKad"
    )


# The bookings list's search: the term is posted, kept in Redis, and the list's URLs carry only
# its id (vaksin/store/staff_searches.py), so an ID number never lands in a URL.
SEARCH_ID_VAR = "s"


class PrivateSearchChangeList(ChangeList):
    """The bookings list, searched by the term a search id names (BookingAdmin.changelist_view
    resolves it) instead of one in the URL."""

    def get_filters_params(self, params: Any = None) -> Any:
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(SEARCH_ID_VAR, None)
        return lookup_params

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        self.query = getattr(request, "booking_search_term", "")
        return super().get_queryset(request, exclude_parameters)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)
    # Set only by the question page: the first post asks, the second cancels.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


@admin.register(Booking)
class BookingAdmin(StaffPages, admin.ModelAdmin):
    list_display = [
        "reference",
        "masked_id_number",
        "name",
        "location_id",
        "date",
        "arrival_window",
        "second_date",
        "booked_at",
        "cancelled_at",
    ]
    list_filter = ["date", "location_id"]
    search_fields = ["=reference", "=id_number"]
    search_help_text = "A reference (like K7Q-X3M-HA2) or a whole ID number."
    show_full_result_count = False  # a count(*) over millions of rows on every page is slow
    readonly_fields = ["live_link"]
    change_list_template = "admin/warehouse/booking/change_list.html"

    @admin.display(description="ID number")
    def masked_id_number(self, booking: Booking) -> str:
        return mask_id_number(booking.id_number)

    @admin.display(description="Live in Redis")
    def live_link(self, booking: Booking) -> str:
        url = reverse("admin:warehouse_booking_live", args=[booking.reference])
        return format_html('<a href="{}">Status, confirmation, cancel</a>', url)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Booking], search_term: str
    ) -> tuple[QuerySet[Booking], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if number := number_for(term):
            return queryset.filter(number=number), False
        # ID numbers are stored without hyphens or spaces, passports in capitals.
        return queryset.filter(id_number="".join(term.replace("-", "").split()).upper()), False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PrivateSearchChangeList

    def search_view(self, request: HttpRequest) -> HttpResponse:
        """The list's search box posts here: the term goes to Redis, the list gets its id."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        return self._searched(request, source.get(SEARCH_VAR, ""), source)

    def _searched(self, request: HttpRequest, term: str, source: Any) -> HttpResponse:
        """A redirect to the list with the filters of `source` and the id of `term`."""
        params = source.copy()
        for name in (SEARCH_VAR, SEARCH_ID_VAR, "csrfmiddlewaretoken", "p"):
            params.pop(name, None)
        term = term.strip()[:40]
        if term:
            try:
                params[SEARCH_ID_VAR] = staff_search_put(
                    user_id=int(request.user.pk or 0), term=term
                )
            except store.StoreError:
                messages.error(
                    request, "Redis did not answer, so the search was not kept. Try again."
                )
        url = reverse("admin:warehouse_booking_changelist")
        return HttpResponseRedirect(f"{url}?{params.urlencode()}" if params else url)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, str] | None = None
    ) -> HttpResponse:
        if SEARCH_VAR in request.GET and self.has_view_permission(request):
            # A term in the URL (an old link, a typed address) moves out of it at once.
            return self._searched(request, request.GET[SEARCH_VAR], request.GET)
        term = ""
        if search_id := request.GET.get(SEARCH_ID_VAR):
            try:
                term = (
                    staff_search_read(user_id=int(request.user.pk or 0), search_id=search_id) or ""
                )
            except store.StoreError:
                messages.error(request, "Redis did not answer, so the search could not be read.")
            if not term:
                messages.warning(
                    request,
                    f"That search has lapsed (a search is kept {SEARCH_SECONDS // 60} minutes, "
                    "for the account that made it): search again.",
                )
                params = request.GET.copy()
                params.pop(SEARCH_ID_VAR)
                url = reverse("admin:warehouse_booking_changelist")
                return HttpResponseRedirect(f"{url}?{params.urlencode()}" if params else url)
        request.booking_search_term = term  # type: ignore[attr-defined]
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200 and hasattr(response, "context_data"):
            changelist = response.context_data["cl"]
            shown = f"{len(changelist.result_list)} rows shown"
            if term:
                staff_read_record(
                    request, action="search", target=_search_target(term), detail=shown
                )
            else:
                filters = request.GET.copy()
                filters.pop(SEARCH_ID_VAR, None)
                detail = f"{shown}; {filters.urlencode()}" if filters else shown
                staff_read_record(request, action="view_list", target="bookings", detail=detail)
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, str] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and hasattr(response, "context_data"):
            booking = response.context_data["original"]
            staff_read_record(
                request, action="view", target=booking.reference, detail="warehouse row"
            )
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Rows come only from export_bookings.

    def has_change_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False  # The warehouse mirrors Redis; changes are made there (cancel, below).

    def has_delete_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "search/",
                self.admin_site.admin_view(self.search_view),
                name="warehouse_booking_search",
            ),
            path(
                "find/",
                self.admin_site.admin_view(self.find_view),
                name="warehouse_booking_find",
            ),
            path(
                "live/<str:reference>/",
                self.admin_site.admin_view(self.live_view),
                name="warehouse_booking_live",
            ),
            path(
                "live/<str:reference>/doses/",
                self.admin_site.admin_view(dose_view),
                name="warehouse_booking_doses",
            ),
            *super().get_urls(),
        ]

    def find_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        # POST, so that an ID number never lands in a URL or an access log.
        form = FindForm(request.POST or None)
        references: list[str] | None = None
        if request.method == "POST" and form.is_valid():
            term = form.cleaned_data["query"]
            try:
                references = booking_references_for(term)
            except store.StoreError:
                messages.error(request, "Redis did not answer. Try again.")
            found = ", ".join(references or []) or "none"
            staff_read_record(
                request, action="search", target=_search_target(term), detail=f"found: {found}"
            )
            if references and len(references) == 1:
                return HttpResponseRedirect(
                    reverse("admin:warehouse_booking_live", args=[references[0]])
                )
        context = self.page_context(request, "Find a booking", form=form, references=references)
        return TemplateResponse(request, "admin/warehouse/booking/find.html", context)

    def live_view(self, request: HttpRequest, reference: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        booking = booking_live(reference=reference)
        if booking is None:
            raise Http404("No booking with this reference.")
        can_cancel = request.user.has_perm("warehouse.change_booking")
        form = CancelForm(request.POST or None)
        if request.method == "POST":
            if not can_cancel:
                raise PermissionDenied
            if form.is_valid() and not form.cleaned_data["confirmed"]:
                return self._cancel_question(request, booking, form.cleaned_data["reason"])
            if form.is_valid():
                self._cancel(request, booking.reference, form.cleaned_data["reason"])
                return HttpResponseRedirect(request.path)
        staff_read_record(request, action="view", target=booking.reference, detail="live")
        context = self.page_context(
            request,
            f"Booking {booking.reference}",
            booking=booking,
            masked=mask_id_number(booking.entry["id_number"]),
            form=form,
            can_cancel=can_cancel and booking.active and not booking.purged,
            purged_on=booking.purged_on,
        )
        return TemplateResponse(request, "admin/warehouse/booking/live.html", context)

    def _cancel_question(
        self, request: HttpRequest, booking: LiveBooking, reason: str
    ) -> HttpResponse:
        """Asks once more before a cancel, saying what it does and the SMS the person will
        receive (one click must not cancel someone's appointment)."""
        if not (booking.active and not booking.purged):
            messages.warning(
                request, f"Booking {booking.reference} is not active; nothing to cancel."
            )
            return HttpResponseRedirect(request.path)
        form = CancelForm(initial={"reason": reason, "confirmed": True})
        sms = cancellation_sms(booking)
        context = self.page_context(
            request,
            f"Cancel booking {booking.reference}?",
            booking=booking,
            masked=mask_id_number(booking.entry["id_number"]),
            form=form,
            sms=sms,
            sms_in_english=cancellation_sms(booking, lang="en") if sms.lang != "en" else None,
        )
        return TemplateResponse(request, "admin/warehouse/booking/cancel.html", context)

    def _cancel(self, request: HttpRequest, reference: str, reason: str) -> None:
        try:
            cancelled = staff_booking_cancel(
                actor=request.user.get_username(),
                address=staff_address(request),
                reference=reference,
                reason=reason,
            )
        except store.StoreError:
            messages.error(request, "Redis did not answer; nothing was changed. Try again.")
            return
        if cancelled:
            messages.success(
                request,
                f"Booking {reference} is cancelled: its place is free again and the person "
                "can book again. The warehouse shows it at the next export.",
            )
        else:
            messages.warning(request, f"Booking {reference} was not active; nothing changed.")


def _search_target(term: str) -> str:
    """What the audit trail keeps of a search: a reference as it is (it names a booking, not a
    person), anything else only as its fingerprint (it may be an ID number)."""
    number = number_for(term)
    return f"search:{reference_for(number)}" if number else search_fingerprint(term)


@admin.register(ExportWatermark)
class ExportWatermarkAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_number", "updated_at"]


@admin.register(SetAsideBooking)
class SetAsideBookingAdmin(ReadOnlyAdmin):
    """The bookings the warehouse refused: why, since when, and a retry once the cause is put
    right. The entry shows a person's details, so each look is recorded like the bookings'."""

    list_display = ["reference", "number", "error", "set_aside_at", "tries", "cancelled"]
    readonly_fields = ("reference", "number", "error", "set_aside_at", "tries", "tried_at",
                       "cancelled_at", "entry_shown")  # fmt: skip
    fields = readonly_fields
    actions = ["retry"]

    @admin.display(boolean=True, description="Cancelled")
    def cancelled(self, row: SetAsideBooking) -> bool:
        return row.cancelled_at is not None

    @admin.display(description="Log entry")
    def entry_shown(self, row: SetAsideBooking) -> str:
        entry = dict(row.entry)
        if entry.get("id_number"):
            entry["id_number"] = mask_id_number(entry["id_number"])
        return format_html(
            "<dl>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", sorted(entry.items())),
        )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Viewing a row is allowed to whoever may view bookings; a retry needs change_booking.
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("warehouse.change_booking"):
            actions.pop("retry", None)
        return actions

    @admin.action(description="Retry the selected bookings (once the cause is put right)")
    def retry(self, request: HttpRequest, queryset: QuerySet[SetAsideBooking]) -> None:
        numbers = list(queryset.values_list("number", flat=True))
        result = set_aside_retry(numbers=numbers)
        audit_record(
            actor=request.user.get_username(),
            action="export_retry",
            target=",".join(reference_for(number) for number in numbers)[:100],
            before="set aside",
            after=f"{len(result.exported)} exported, {len(result.refused)} still refused",
            address=staff_address(request),
        )
        if result.exported:
            messages.success(
                request,
                f"{len(result.exported):,} now in the warehouse: {', '.join(result.exported)}.",
            )
        for reference, reason in result.refused.items():
            messages.error(request, f"{reference} is still refused: {reason}")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, str] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and hasattr(response, "context_data"):
            row = response.context_data["original"]
            staff_read_record(request, action="view", target=row.reference, detail="set aside")
        return response
