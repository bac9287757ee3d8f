"""The noon dashboard and the switches in the admin.

The dashboard (operations.view_dashboard) redraws itself every few seconds with an HTTP
Refresh header, which a person can stop with a link; the switches (operations.flip_switches)
are on a page of their own that never refreshes under the hand that is about to press one.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from audit.admin import ReadOnlyAdmin, StaffPages
from audit.services import staff_address
from operations.dashboard import dashboard_context
from operations.models import Dashboard
from operations.room import room_shown
from operations.selectors import noon_figures
from operations.services import (
    CHOICES,
    RATE_LIMITS,
    queue_mode_set,
    queue_rate_set,
    sms_budget_choice,
    switch_flip,
)
from vaksin import store
from vaksin.sms_budget import Spend, sms_budget_spend
from vaksin.switches import switches_forget, waiting_room_off

REFRESH_SECONDS = 5
# The spans the charts can cover, in minutes: an hour, or a close look at the last ten.
SPANS = (60, 10)
# What each choice is called on its button, and what staff are told once it is made.
SAID = {
    ("registration", "open"): (
        "Open registration now",
        "Registration is open on every node within a second, whatever the configured times.",
    ),
    ("registration", "closed"): (
        "Close registration now",
        "Registration is closed on every node within a second: bookings are refused.",
    ),
    ("registration", "scheduled"): (
        "Follow the configured times",
        "Registration follows REGISTRATION_OPENS_AT and REGISTRATION_CLOSES_AT again.",
    ),
    ("confirmations", "paused"): (
        "Pause confirmations",
        "Confirmations are paused: the relay and the workers take no new work. Nothing is "
        "lost; the batch being sent finishes.",
    ),
    ("confirmations", "running"): (
        "Resume confirmations",
        "Confirmations are running again: the waiting bookings are sent, oldest first.",
    ),
    ("waiting_room", "off"): (
        "Turn the waiting room off",
        "The waiting room is off on every node within a second: anyone verified may book, "
        "as without a waiting room. Tickets and places are kept.",
    ),
    ("waiting_room", "on"): (
        "Turn the waiting room on",
        "The waiting room is on again: booking needs an admission. Tickets and places are "
        "as they were.",
    ),
    ("sms_budget", "x1"): (
        "Back to the configured SMS budgets",
        "The SMS budgets are as configured (SMS_BUDGET_*) again, on every node at once.",
    ),
    **{
        ("sms_budget", f"x{factor}"): (
            f"Raise the SMS budgets {factor}-fold",
            f"Every SMS budget is {factor} times its configured value from now, on every node "
            "at once: more codes and confirmations a minute and an hour, and a bigger bill.",
        )
        for factor in (2, 5, 10)
    },
}


def _sms_spend() -> list[Spend]:
    try:
        return sms_budget_spend()
    except store.StoreError:
        return []


class SwitchForm(forms.Form):
    switch = forms.ChoiceField(choices=[(name, name) for name in CHOICES])
    choice = forms.CharField(max_length=16)


class AdmissionForm(forms.Form):
    """The waiting room's admission: a rate staff set, or the automatic mode."""

    mode = forms.ChoiceField(choices=[("set", "set"), ("auto", "auto")])
    rate = forms.FloatField(min_value=RATE_LIMITS[0], max_value=RATE_LIMITS[1], required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("mode") == "set"
            and cleaned.get("rate") is None
            and "rate" not in self.errors
        ):
            self.add_error("rate", "Enter the tickets to admit each second.")
        return cleaned


@admin.register(Dashboard)
class DashboardAdmin(StaffPages, ReadOnlyAdmin):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("operations.view_dashboard")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request) or self._can_flip(request)

    @staticmethod
    def _can_flip(request: HttpRequest) -> bool:
        return request.user.has_perm("operations.flip_switches")

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "switches/",
                self.admin_site.admin_view(self.switches_view),
                name="operations_switches",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return self.page_context(request, title, can_flip=self._can_flip(request), **extra)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        refreshing = request.GET.get("refresh") != "off"
        minutes = SPANS[1] if request.GET.get("minutes") == str(SPANS[1]) else SPANS[0]
        context = self._context(
            request,
            "Noon dashboard",
            refreshing=refreshing,
            refresh_seconds=REFRESH_SECONDS,
            spans=SPANS,
            **dashboard_context(minutes=minutes),
        )
        response = TemplateResponse(request, "admin/operations/dashboard.html", context)
        if refreshing:
            # A header, not a <meta> tag: the same redraw, and the page says how to stop it.
            response["Refresh"] = str(REFRESH_SECONDS)
        return response

    def switches_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_view_permission(request) or self._can_flip(request)):
            raise PermissionDenied
        if request.method == "POST":
            if not self._can_flip(request):
                raise PermissionDenied
            if "mode" in request.POST:
                self._admit(request, AdmissionForm(request.POST))
            else:
                self._flip(request, SwitchForm(request.POST))
            return HttpResponseRedirect(reverse("admin:operations_switches"))
        switches_forget()  # staff see the switches as Redis holds them, not a second-old copy
        figures = noon_figures()
        current = {
            "registration": figures.registration_override or "scheduled",
            "confirmations": "paused" if figures.confirmations_paused else "running",
            "waiting_room": "off" if waiting_room_off() else "on",
            "sms_budget": sms_budget_choice(),
        }
        # A button for each choice that would change something.
        buttons = {
            name: [
                (choice, SAID[(name, choice)][0]) for choice in choices if choice != current[name]
            ]
            for name, choices in CHOICES.items()
        }
        context = self._context(
            request,
            "Switches",
            sms_spend=_sms_spend(),
            figures=figures,
            buttons=buttons,
            current=current,
            opens_at=settings.REGISTRATION_OPENS_AT,
            closes_at=settings.REGISTRATION_CLOSES_AT,
            **self._room_context(),
        )
        return TemplateResponse(request, "admin/operations/switches.html", context)

    @staticmethod
    def _room_context() -> dict[str, Any]:
        if not settings.WAITING_ROOM_OPENS_AT:
            return {"room": None}
        shown = room_shown()
        return {
            "room": shown.figures.reading if shown.figures else None,
            "room_source": shown.figures.source if shown.figures else "",
            "room_opens_at": settings.WAITING_ROOM_OPENS_AT,
            "auto_target": settings.WAITING_ROOM_AUTO_TARGET,
            "pass_minutes": settings.ADMISSION_MINUTES,
        }

    def _admit(self, request: HttpRequest, form: AdmissionForm) -> None:
        if not settings.WAITING_ROOM_OPENS_AT:
            messages.error(request, "No waiting room is configured (WAITING_ROOM_OPENS_AT).")
            return
        if not form.is_valid():
            low, high = RATE_LIMITS
            messages.error(request, f"Enter a rate from {low:,} to {high:,} tickets a second.")
            return
        actor, address = request.user.get_username(), staff_address(request)
        try:
            if form.cleaned_data["mode"] == "auto":
                changed = queue_mode_set(actor=actor, address=address, mode="auto")
                said = "Admission is automatic: the rate follows the origin's booking rate."
            else:
                rate = form.cleaned_data["rate"]
                queue_rate_set(actor=actor, address=address, rate=rate)
                changed, said = True, f"Admission runs at {rate:g} tickets a second from now."
        except store.StoreError:
            messages.error(request, "Redis did not answer; nothing was changed. Try again.")
            return
        if changed:
            messages.success(request, said)
        else:
            messages.info(request, "It was already so; nothing changed.")

    def _flip(self, request: HttpRequest, form: SwitchForm) -> None:
        if not form.is_valid() or (
            (form.cleaned_data["switch"], form.cleaned_data["choice"]) not in SAID
        ):
            messages.error(request, "That switch or choice does not exist; nothing changed.")
            return
        name, choice = form.cleaned_data["switch"], form.cleaned_data["choice"]
        try:
            changed = switch_flip(
                actor=request.user.get_username(),
                address=staff_address(request),
                name=name,
                choice=choice,
            )
        except store.StoreError:
            messages.error(request, "Redis did not answer; nothing was changed. Try again.")
            return
        if changed:
            messages.success(request, SAID[(name, choice)][1])
        else:
            messages.info(request, "It was already so; nothing changed.")
