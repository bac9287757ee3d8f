"""Staff in tests: a member of staff with an authenticator app, its codes, and a test client
logged in the way the admin site requires (password and second factor)."""

import time
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "a long enough staff passphrase"


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


def staff_login(client: Client, user: User) -> TOTPDevice:
    """Logs `user` in on `client` with a verified device, as the login form would, without the
    cost of hashing a password."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def login_post(
    client: Client, username: str, password: str, code: str = "", *, address: str = "127.0.0.1"
) -> Any:
    """One post of the admin's login form from `address`."""
    form = {"username": username, "password": password, "otp_token": code, "next": "/admin/"}
    return client.post(reverse("admin:login"), form, REMOTE_ADDR=address)


def opens_the_admin(client: Client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200
