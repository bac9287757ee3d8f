"""Staff admin for centres and their slots. Capacities and counts are read live from Redis;
every write goes through an audited service (availability.staff)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from audit.services import staff_address
from availability.models import Centre
from availability.services import CapacityError
from availability.staff import staff_capacity_set, staff_centre_save
from vaksin import store
from vaksin.store import slots


@dataclass(frozen=True)
class SlotRow:
    date: str
    capacity: int
    booked: int

    @property
    def available(self) -> int:
        return max(self.capacity - self.booked, 0)


def centre_slots(centre_id: str) -> list[SlotRow]:
    """Every slot of one centre, read live from Redis in one round trip."""
    counts = slots.read_slots()
    capacities, booked = counts.capacity, counts.booked
    prefix = f"{centre_id}|"
    return [
        SlotRow(date=field[len(prefix) :], capacity=value, booked=booked.get(field, 0))
        for field, value in sorted(capacities.items())
        if field.startswith(prefix)
    ]


class CapacityForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    capacity = forms.IntegerField(min_value=0, max_value=1_000_000)


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "state", "opens_at", "closes_at", "slots_link"]
    list_filter = ["state"]
    search_fields = ["id", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Centre | None = None) -> list[str]:
        # The id is the key of the centre's slots in Redis: renaming it would orphan them.
        return ["id"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Centre | None = None) -> bool:
        return False  # Bookings point at centres; retire a centre by setting capacities to 0.

    @admin.display(description="Slots")
    def slots_link(self, centre: Centre) -> str:
        url = reverse("admin:availability_centre_slots", args=[centre.pk])
        return format_html('<a href="{}">Dates and capacity</a>', url)

    def save_model(self, request: HttpRequest, obj: Centre, form: Any, change: bool) -> None:
        staff_centre_save(
            actor=request.user.get_username(),
            address=staff_address(request),
            centre_id=obj.id,
            name=obj.name,
            state=obj.state,
            opens_at=obj.opens_at,
            closes_at=obj.closes_at,
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<str:centre_id>/slots/",
                self.admin_site.admin_view(self.slots_view),
                name="availability_centre_slots",
            ),
            *super().get_urls(),
        ]

    def slots_view(self, request: HttpRequest, centre_id: str) -> HttpResponse:
        centre = get_object_or_404(Centre, pk=centre_id)
        if not self.has_view_permission(request, centre):
            raise PermissionDenied
        form = CapacityForm(request.POST or None)
        if request.method == "POST":
            if not self.has_change_permission(request, centre):
                raise PermissionDenied
            if form.is_valid():
                return self._set_capacity(request, centre, form)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Dates and capacity: {centre.name}",
            "opts": self.model._meta,
            "centre": centre,
            "slots": centre_slots(centre.id),
            "form": form,
            "can_change": self.has_change_permission(request, centre),
            "tomorrow": datetime.date.today() + datetime.timedelta(days=1),
        }
        return TemplateResponse(request, "admin/availability/centre/slots.html", context)

    def _set_capacity(
        self, request: HttpRequest, centre: Centre, form: CapacityForm
    ) -> HttpResponse:
        date, capacity = form.cleaned_data["date"], form.cleaned_data["capacity"]
        try:
            change = staff_capacity_set(
                actor=request.user.get_username(),
                address=staff_address(request),
                location=centre.id,
                date=date,
                capacity=capacity,
            )
        except CapacityError as error:
            messages.error(request, str(error))
        except store.StoreError:
            messages.error(request, "Redis did not answer; nothing was changed. Try again.")
        else:
            before = "a new date" if change.previous is None else f"from {change.previous}"
            messages.success(
                request,
                f"{centre.id} {date}: capacity set to {capacity} ({before}); "
                f"{change.booked} booked, {capacity - change.booked} available.",
            )
        return HttpResponseRedirect(request.path)
