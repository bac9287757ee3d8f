"""Staff in tests: a test client logged in the way the admin site requires (password and second
factor), and the admin's login form; the authenticator app and its codes are devstack/staff.py's."""

from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from devstack.staff import totp_device

PASSWORD = "a long enough staff passphrase"


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
