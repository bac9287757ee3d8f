"""The staff admin site: every login needs a password and a code from an authenticator app
(django-otp, TOTP). The code is checked first, so that no post without it costs a password
hash, and login posts are rate limited per address and per account before either is checked.

A member of staff is enrolled with `manage.py enrol_totp USERNAME` (docs/operations.md). The
site only lets in a session verified by a device of its user, so a session that logged in with
a password alone (or through any other door) opens nothing here.
"""

import math
from typing import Any, NoReturn, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.models import Device

from vaksin.login_limits import login_attempt_wait
from vaksin.staff_codes import code_opens_the_password_check
from vaksin.store import StoreError


class StaffAuthenticationForm(OTPAdminAuthenticationForm):
    """Username, password and code in one step.

    Every refusal reads the same (an unknown username, a wrong password, a missing or wrong
    code), so the form tells nobody which usernames exist, nor whoever holds a stolen password
    that it is right; and a refused code is a failed login, so django-axes locks out guessing
    codes as it does guessing passwords. The code is checked before the password
    (vaksin/staff_codes.py), so a post without the right code never costs a hash.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter the %(username)s, password and 6-digit code of a staff account. The code is "
            "in your authenticator app and changes every 30 seconds; the username and password "
            "are case-sensitive."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["otp_token"]
        code.label = _("Code from your authenticator app")
        code.widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}
        )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return self.cleaned_data  # the form says what is missing; nothing is checked
        # The code first: a full password hash only for whoever holds the account's code.
        if not code_opens_the_password_check(username, self.cleaned_data.get("otp_token") or ""):
            self.refuse(username)
        cleaned = AdminAuthenticationForm.clean(self)  # django-axes, then the password
        try:
            # django-otp's own check of the same code, now that the password is right: it
            # uses the code up, so that it opens nothing again.
            self.clean_otp(self.get_user())
        except ValidationError:
            self.refuse(username)
        return cleaned

    def refuse(self, username: str) -> NoReturn:
        """A failed login, as a wrong password is one (django-axes counts it, the audit trail
        records it), with the same answer."""
        user_login_failed.send(
            sender=__name__, credentials={"username": username}, request=self.request
        )
        raise self.get_invalid_login_error()

    def _chosen_device(self, user: Any) -> Device | None:
        # django-otp asks the user to pick a device; staff are enrolled with one, so use it.
        devices = list(devices_for_user(user, confirmed=True))
        return devices[0] if len(devices) == 1 else super()._chosen_device(user)


class StaffAdminSite(OTPAdminSite):
    login_form = StaffAuthenticationForm
    login_template = "admin/staff_login.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.method == "POST":
            try:
                wait = login_attempt_wait(request)
            except StoreError:
                return self.login_refused(request, reason="busy", status=503, wait=30)
            if wait:
                return self.login_refused(request, reason="rate", status=429, wait=wait)
        return super().login(request, extra_context)

    def login_refused(
        self, request: HttpRequest, *, reason: str, status: int, wait: int
    ) -> HttpResponse:
        context = {
            **self.each_context(request),
            "reason": reason,
            "minutes": max(1, math.ceil(wait / 60)),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        }
        response = render(request, "admin/login_refused.html", context, status=status)
        response["Retry-After"] = str(wait)
        return response


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a login from a locked-out username and address (its
    AXES_LOCKOUT_CALLABLE): 429, on the admin's own page."""
    site = cast(StaffAdminSite, admin.site)
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return site.login_refused(request, reason="locked", status=429, wait=wait)
