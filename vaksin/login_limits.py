"""The staff login's own rate limits, counted in Redis before the login form is checked.

No post can make the server hash a password without the account's authenticator code (the code
is checked first, vaksin/staff_codes.py), so these limits no longer guard the hasher; they bound
guessing (docs/operations.md, "Why the code is checked before the password"). Each POST to the
login form counts against LOGIN_RATE_PER_IP for its client address and, if that lets it
through, LOGIN_RATE_PER_ACCOUNT for the username it names; one over either is answered 429.
There is no limit for everyone together: it let a flood from many addresses keep every member
of staff out. A flood against one account spends only that account's limit.

A post from STAFF_NETWORKS is counted against neither, so a flood elsewhere can never keep an
operator from reaching the check there (where django-axes still counts their own failures).
"""

import hashlib
import ipaddress
import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.http import HttpRequest

from vaksin.addresses import client_address, client_ip
from vaksin.store import rates


def login_attempt_wait(request: HttpRequest) -> int:
    """Counts one login post; 0 when it may go on to the check, else the seconds until it may.

    Raises StoreError when Redis cannot be reached (staff sessions live there too)."""
    if from_staff_network(request):
        return 0
    minute = int(time.time() // 60)
    wait = _wait(settings.LOGIN_RATE_PER_IP, "login", client_address(request), minute)
    return wait or _account_wait(request, minute)


def from_staff_network(request: HttpRequest) -> bool:
    """Whether the client (as TRUSTED_PROXIES let us know it) is inside STAFF_NETWORKS."""
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in settings.STAFF_NETWORKS)


def login_username(request: HttpRequest) -> str:
    """The username a login post names, normalised as the login form does (Django's
    UsernameField: spaces around it dropped, Unicode NFKC), so that the account limit counts
    the very account the code is then checked for."""
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    longest = getattr(field, "max_length", None) or 254  # as AuthenticationForm takes it
    return str(UsernameField(max_length=longest).to_python(request.POST.get("username", "")))


def _account_wait(request: HttpRequest, minute: int) -> int:
    limit = settings.LOGIN_RATE_PER_ACCOUNT
    username = login_username(request)
    if not limit or not AxesProxyHandler.is_allowed(request, {"username": username}):
        # django-axes has locked this username out from this address and answers 429 whatever
        # the post holds: such posts must not spend the account's limit, or one address could
        # keep it spent.
        return 0
    # A digest: the raw post may be any length, and the keys need not name staff.
    account = hashlib.sha256(username.encode()).hexdigest()[:32]
    return _wait(limit, "login-account", account, minute)


def _wait(limit: int, kind: str, subject: str, minute: int) -> int:
    if not limit:
        return 0
    count, seconds = rates.rate_count(kind, subject, minute)
    return seconds if count > limit else 0
