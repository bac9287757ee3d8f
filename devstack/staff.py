"""A member of staff's authenticator app, made up: the device and the codes it shows, for the
tests' staff logins and the bench's dashboard screenshots."""

import time

from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "test app", "confirmed": True}
    )
    return device


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the member's app shows now (or that many 30-second steps later: a code is
    accepted once, so a second login in one step needs the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
