"""The helpline page, in the admin: staff holding `assisted.book_for_person` book for a person
who calls or comes in. Behind the admin's own door (staff, a session verified by a second
factor, CSRF); 403 without the permission. Each POST does one thing, then redirects to the
page (post/redirect/get) or shows it again with what to fix.

The staff page's own words stay in English, as the admin's do; what the person is told (the
validation messages, the printable confirmation) is in the person's language.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import translation

from assisted.call import HelplineCall, call_load, call_save
from assisted.models import Helpline
from assisted.phoneless import is_phoneless, phoneless_line
from assisted.services import (
    StaffLimitReached,
    assisted_booking_create,
    helpline_code_confirm,
    helpline_code_send,
    helpline_request_clean,
    helpline_standing,
)
from audit.admin import StaffPages
from audit.services import staff_address
from availability.selectors import availability_snapshot, centre_in_listing
from phones.services import VerificationError
from vaksin import store
from vaksin.addresses import client_address
from vaksin.errors import STATUS, BookingError, message

PERMISSION = "assisted.book_for_person"
# The answers the booking form posts; kept only to show them back after a refusal.
# A line without a phone lasts one call, not a phone proof's days.
LINE_SECONDS = 3600
ANSWERS = ("id_type", "id_number", "name", "email", "birth_date", "location", "date", "reason")


def _refusal(error: BookingError) -> str:
    """A refused booking in staff's words, with the person's message where there is one."""
    if isinstance(error, StaffLimitReached):
        return (
            f"You have made {settings.ASSISTED_BOOKINGS_PER_HOUR} assisted booking attempts "
            f"this hour, the most one member of staff may. Try again in "
            f"{max(1, -(-error.retry_after // 60))} minutes, or ask a supervisor."
        )
    if error.code == "not_admitted":
        where = f" (place {error.position})" if error.position else ""
        return (
            f"This call's turn in the waiting room has not come yet{where}. "
            "Book when the page says its turn has come."
        )
    if error.code == "phone_limit":
        return (
            f"This mobile number already holds {settings.PHONE_BOOKING_LIMIT} appointments, the "
            "most one number may hold. Use another family member's mobile, or book with no phone."
        )
    return message(error.code)


@admin.register(Helpline)
class HelplineAdmin(StaffPages, admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        # The helpline page takes the changelist's own URL, so the admin's link opens it.
        return [
            path("", self.admin_site.admin_view(self.helpline_view), name="assisted_helpline"),
            path(
                "printed/",
                self.admin_site.admin_view(self.printed_view),
                name="assisted_helpline_printed",
            ),
            *super().get_urls(),
        ]

    def _allowed(self, request: HttpRequest) -> None:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied

    def helpline_view(self, request: HttpRequest) -> HttpResponse:
        self._allowed(request)
        call = call_load(request)
        if request.method == "POST":
            action = request.POST.get("action", "")
            handler = {
                "send": self._send,
                "confirm": self._confirm,
                "nophone": self._nophone,
                "book": self._book,
                "reset": self._reset,
            }.get(action)
            if handler is not None:
                return handler(request, call)
        return self._page(request, call)

    def _page(
        self,
        request: HttpRequest,
        call: HelplineCall,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        phone = call.booking_phone
        standing = None
        centres: list[dict[str, Any]] = []
        try:
            if phone:
                standing = helpline_standing(phone=phone)
            listing = availability_snapshot().data
            centres = [
                {
                    "name": state["name"],
                    "centres": [
                        {
                            "id": centre["id"],
                            "name": centre["name"],
                            "available": sum(slot["available"] for slot in centre["slots"]),
                        }
                        for centre in state["locations"]
                    ],
                }
                for state in listing["states"]
            ]
        except store.StoreError:
            messages.error(request, "Redis did not answer: try again in a moment.")
            listing = {"states": []}
        shown = values or {}
        chosen = centre_in_listing(listing, shown.get("location", ""))
        context = self.page_context(
            request,
            "Book for a person (helpline)",
            call=call,
            phone=phone,
            phoneless=bool(phone) and is_phoneless(phone),
            phone_ending=phone[-2:] if phone and not is_phoneless(phone) else "",
            standing=standing,
            centres=centres,
            dates=[slot for slot in chosen["slots"] if slot["available"] > 0] if chosen else [],
            values=shown,
            errors=errors or {},
            languages=settings.LANGUAGES,
            hourly_limit=settings.ASSISTED_BOOKINGS_PER_HOUR,
        )
        return TemplateResponse(request, "admin/assisted/helpline.html", context, status=status)

    def _again(self) -> HttpResponse:
        response = HttpResponseRedirect(reverse("admin:assisted_helpline"))
        response.status_code = 303
        return response

    def _lang(self, request: HttpRequest, call: HelplineCall) -> str:
        lang = request.POST.get("lang", "")
        return lang if lang in dict(settings.LANGUAGES) else call.lang

    def _send(self, request: HttpRequest, call: HelplineCall) -> HttpResponse:
        lang = self._lang(request, call)
        typed = request.POST.get("phone", "")
        try:
            phone = helpline_code_send(
                phone=typed, client_address=client_address(request), lang=lang
            )
        except VerificationError as error:
            if error.code == "invalid":
                error_code = next(iter(error.fields.values()))[0] if error.fields else "invalid"
                text = message(error_code)
            else:
                text = message(error.code)
            status = 429 if error.code == "rate_limited" else STATUS.get(error.code, 400)
            return self._page(
                request, call.with_(lang=lang), errors={"phone": text},
                values={"phone": typed[:40]}, status=status,
            )  # fmt: skip
        call_save(request, HelplineCall(pending=phone, lang=lang))
        messages.success(
            request,
            f"A code was sent by SMS to the number ending in {phone[-2:]}. Ask the person to read "
            "it out.",
        )
        return self._again()

    def _confirm(self, request: HttpRequest, call: HelplineCall) -> HttpResponse:
        if not call.pending:
            return self._again()
        try:
            verified = helpline_code_confirm(
                phone=call.pending,
                code=request.POST.get("code", ""),
                client_address=client_address(request),
            )
        except VerificationError as error:
            code = error.fields["code"][0] if error.fields.get("code") else error.code
            text = message(code)
            if error.code == "invalid_code":
                text = f"That is not the code sent to this number ({error.tries_left} tries left)."
            status = 429 if error.code == "rate_limited" else 400
            return self._page(request, call, errors={"code": text}, status=status)
        call_save(
            request,
            call.with_(
                pending="",
                phone=verified.phone,
                phone_until=int(verified.expires_at.timestamp()),
            ),
        )
        messages.success(request, "The person's mobile number is verified.")
        return self._again()

    def _nophone(self, request: HttpRequest, call: HelplineCall) -> HttpResponse:
        line = phoneless_line()
        until = int(time.time()) + LINE_SECONDS
        call_save(
            request,
            HelplineCall(phone=line, phone_until=until, lang=self._lang(request, call)),
        )
        return self._again()

    def _reset(self, request: HttpRequest, call: HelplineCall) -> HttpResponse:
        call_save(request, HelplineCall())
        return self._again()

    def _book(self, request: HttpRequest, call: HelplineCall) -> HttpResponse:
        values = {name: request.POST.get(name, "")[:300] for name in ANSWERS}
        phone = call.booking_phone
        if not phone:
            messages.error(request, "Verify the person's mobile number (or choose no phone) first.")
            return self._again()
        lang = self._lang(request, call)
        reason = values["reason"].strip()
        if not reason:
            missing = "Say why you are booking for this person (kept in the audit trail)."
            return self._page(request, call, values=values, status=400, errors={"reason": missing})
        try:
            booking_request = helpline_request_clean(answers=values, phone=phone, lang=lang)
            booked = assisted_booking_create(
                staff_id=int(request.user.pk or 0),
                actor=request.user.get_username(),
                address=staff_address(request),
                reason=reason,
                request=booking_request,
            )
        except BookingError as error:
            if error.code == "invalid":
                errors = {name: message(codes[0]) for name, codes in error.fields.items()}
            else:
                errors = {"booking": _refusal(error)}
            status = 429 if isinstance(error, StaffLimitReached) else STATUS.get(error.code, 400)
            response = self._page(request, call, errors=errors, values=values, status=status)
            if error.retry_after:
                response["Retry-After"] = str(error.retry_after)
            return response
        try:
            centre = centre_in_listing(availability_snapshot().data, booked.location)
        except store.StoreError:
            centre = None  # booked all the same: the page names the centre by its code
        done = {**booked.as_session(), "centre_name": centre["name"] if centre else booked.location}
        # A line books one person: the next person without a phone takes a new line (and ticket).
        kept = call.with_(phone="", phone_until=0) if is_phoneless(phone) else call
        call_save(request, kept.with_(done=done, lang=lang))
        messages.success(request, f"Booked: reference {booked.reference}.")
        return self._again()

    def printed_view(self, request: HttpRequest) -> HttpResponse:
        """The last booking of this call on paper, in the person's language."""
        self._allowed(request)
        done = call_load(request).done
        if not done:
            return self._again()
        with translation.override(done.get("lang") or "en"):
            response = TemplateResponse(
                request, "assisted/printed.html", {"booking": done, "site_url": settings.SITE_URL}
            )
            response.render()
        return response
