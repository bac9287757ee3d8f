"""Staff logins in the audit trail: each login, failed login (a wrong password or a wrong code),
lockout and logout, with the username given and the client address.

A failed login's username is whatever was typed, so it may name nobody. Rows come at most at the
login rate limits (vaksin/login_limits.py), which are per address and per account, not in total:
a flood from many addresses adds a row for each post they let through (a row, not a hash).
"""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from audit.services import audit_record, staff_address


def _login_record(*, action: str, username: str, request: HttpRequest | None) -> None:
    audit_record(
        actor=username[:150],
        action=action,
        target=username[:100],
        before="",
        after="",
        address=staff_address(request) if request is not None else None,
    )


@receiver(user_logged_in, dispatch_uid="audit-login")
def _logged_in(*, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _login_record(action="login", username=user.get_username(), request=request)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _login_failed(
    *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    _login_record(action="login_failed", username=username, request=request)


@receiver(user_locked_out, dispatch_uid="audit-lockout")
def _locked_out(*, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    _login_record(action="lockout", username=username or "", request=request)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(*, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _login_record(action="logout", username=user.get_username(), request=request)
