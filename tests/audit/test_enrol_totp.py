"""`manage.py enrol_totp`: how a member of staff gets the second factor the admin asks for."""

import base64
import binascii
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP

from audit.models import AuditEntry
from tests.staff import PASSWORD, login_post, opens_the_admin


def enrol(*args: str) -> str:
    out = StringIO()
    call_command("enrol_totp", *args, stdout=out)
    return out.getvalue()


def code_from(printed: str) -> str:
    """The code an authenticator app shows for the otpauth:// URI the command printed."""
    uri = next(line for line in printed.splitlines() if line.startswith("otpauth://"))
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


@pytest.fixture
def bob(db: None, settings) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_user("bob", password=PASSWORD, is_staff=True)


def test_an_enrolled_member_of_staff_logs_in_with_the_apps_code(client: Client, bob: User) -> None:
    printed = enrol("bob")

    assert "issuer=Vaksin" in printed
    assert login_post(client, "bob", PASSWORD, code_from(printed)).status_code == 302
    assert opens_the_admin(client)
    entry = AuditEntry.objects.get(action="otp_enrol")
    assert (entry.actor, entry.target, entry.before) == ("manage.py", "bob", "0 device(s)")


def test_a_second_enrolment_needs_replace_and_the_old_app_stops_working(
    client: Client, bob: User
) -> None:
    old = enrol("bob")

    with pytest.raises(CommandError, match="--replace"):
        enrol("bob")
    new = enrol("bob", "--replace")

    assert login_post(client, "bob", PASSWORD, code_from(new)).status_code == 302
    assert login_post(Client(), "bob", PASSWORD, code_from(old)).status_code == 200


def test_enrolling_nobody_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="no user 'nobody'"):
        enrol("nobody")


def test_the_key_is_never_shown_in_the_admin(admin_client: Client, bob: User) -> None:
    printed = enrol("bob")
    secret = parse_qs(urlsplit(printed.splitlines()[0]).query)["secret"][0]
    hex_key = binascii.hexlify(base64.b32decode(secret + "=" * (-len(secret) % 8))).decode()

    page = admin_client.get("/admin/otp_totp/totpdevice/1/change/", follow=True)

    assert hex_key not in page.content.decode() and secret not in page.content.decode()
