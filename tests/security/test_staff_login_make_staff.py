"""`make staff` (manage.py create_staff): the one way the README gives to make a member of staff.
It applies every password rule with no way round them (createsuperuser offers a bypass, and a
user made with "abc" logged in), and enrols the authenticator app the login asks for."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from devstack.staff import totp_code
from tests.staff import PASSWORD, login_post, opens_the_admin


def create_staff(*args: str, password: str) -> str:
    out = io.StringIO()
    call_command("create_staff", *args, stdin=io.StringIO(password + "\n"), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("password", ["abc", "123456789012", "password1234"])
def test_a_weak_password_makes_no_member_of_staff(
    db: None, fast_passwords: None, password: str
) -> None:
    with pytest.raises(CommandError, match="Password refused"):
        create_staff("bobby", password=password)

    assert not User.objects.filter(username="bobby").exists()
    assert not TOTPDevice.objects.exists()


def test_a_strong_password_makes_a_member_of_staff_who_logs_in_with_the_code(
    db: None, fast_passwords: None, client: Client
) -> None:
    out = create_staff("bob", password=PASSWORD)

    user = User.objects.get(username="bob")
    assert user.is_staff and user.is_superuser
    device = TOTPDevice.objects.get(user=user)
    assert device.config_url in out
    assert "█" in out or "##" in out  # the QR code, drawn in text
    assert {e.action for e in AuditEntry.objects.filter(target="bob")} == {
        "staff_create",
        "otp_enrol",
    }
    login_post(client, "bob", PASSWORD, totp_code(device))
    assert opens_the_admin(client)


def test_an_existing_user_is_not_touched(db: None, fast_passwords: None) -> None:
    User.objects.create_user("carol", password=PASSWORD, is_staff=True)

    with pytest.raises(CommandError, match="changepassword carol"):
        create_staff("carol", password="another long passphrase")
    assert User.objects.get(username="carol").check_password(PASSWORD)
