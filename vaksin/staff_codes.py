"""The authenticator code of a staff login, checked before the password.

A password check is a full hash (0.67 s of a core); a code check is three HMACs (microseconds).
Checking the code first means nobody without the account's current code can make the server
hash anything, so a flood of login posts costs the public nothing and needs no global limit
(docs/operations.md, "Why the code is checked before the password").

This check only opens the door to the password. It does not use the code up: django-otp
does, once the password is right (vaksin/admin_site.py). Nor does it slow the device down
after a wrong code, as django-otp would: before the password is known, that would let anyone
who knows a username keep its owner out from everywhere, staff networks included. The
per-account rate limit (vaksin/login_limits.py) bounds guessing instead.
"""

import functools
import time

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

# No device's code is longer (they have 6 or 8 digits); a longer one is refused before int()
# (which refuses more than 4300 digits with an error).
_LONGEST_CODE = 10


@functools.cache
def _nobody() -> TOTPDevice:
    """What a username without an enrolled device is checked against: a key nobody knows, with
    the settings of a real device, so that an unknown username and a wrong code cost the same
    and read the same (nobody learns which usernames exist)."""
    return TOTPDevice(key=default_key(), confirmed=True)


def code_opens_the_password_check(username: str, code: str) -> bool:
    """Whether `code` is the current code of a confirmed device of `username`, not one of
    its codes already used."""
    if not (code.isascii() and code.isdigit() and len(code) <= _LONGEST_CODE):
        return False
    lookup = {f"user__{get_user_model().USERNAME_FIELD}": username, "confirmed": True}
    devices = list(TOTPDevice.objects.filter(**lookup))
    token = int(code)
    # Every device is tried, or the stand-in when there is none, with no stopping at the first
    # match: the cost does not depend on whether the account exists or which device matches.
    matches = [_accepts(device, token) for device in devices or [_nobody()]]
    return bool(devices) and any(matches)


def _accepts(device: TOTPDevice, token: int) -> bool:
    # What TOTPDevice.verify_token checks, without its writes: the same drift allowance and
    # the refusal of a time step at or before the last code used.
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return bool(totp.verify(token, device.tolerance, device.last_t + 1))
