"""What a script can do against the staff login: guess passwords, guess codes, log in with a
stolen password alone, keep the workers hashing. Each attack beside its control. Floods, and
what they must not do to the staff who log in meanwhile, are in test_staff_login_flood.py."""

from collections import Counter

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from devstack.staff import totp_code, totp_device
from tests.staff import PASSWORD, login_post, opens_the_admin, staff_login


def wrong_code_for(device: TOTPDevice) -> str:
    """A code no step near now has (a wrong guess, not a lucky one)."""
    near = {totp_code(device, steps_ahead=step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def test_the_admin_needs_a_second_factor(client: Client, staff: User) -> None:
    device = totp_device(staff)

    without_code = login_post(client, "alice", PASSWORD)
    assert not opens_the_admin(client)
    wrong_code = login_post(client, "alice", PASSWORD, wrong_code_for(device))
    assert not opens_the_admin(client)
    right = login_post(client, "alice", PASSWORD, totp_code(device))

    assert without_code.status_code == wrong_code.status_code == 200
    assert "6-digit code" in without_code.content.decode()
    assert right.status_code == 302
    assert opens_the_admin(client)


def test_a_session_with_a_password_alone_opens_nothing_in_the_admin(
    client: Client, staff: User
) -> None:
    totp_device(staff)
    client.force_login(staff)

    assert client.get(reverse("admin:index")).status_code == 302
    # Control: the same session, once verified by the member's device, opens it.
    staff_login(client, staff)
    assert opens_the_admin(client)


def test_a_wrong_password_and_a_missing_code_read_the_same(client: Client, staff: User) -> None:
    """Whoever holds a stolen password learns nothing from the form about whether it is right."""
    totp_device(staff)

    wrong_password = login_post(client, "alice", "not the password", "123456")
    right_password = login_post(client, "alice", PASSWORD, "123456")

    def error(response) -> str:
        return response.context["form"].non_field_errors()[0]

    assert error(wrong_password) == error(right_password)


def test_100_wrong_passwords_then_the_right_one_is_locked_out(
    client: Client, staff: User, no_login_rate_limits: None
) -> None:
    device = totp_device(staff)

    answers = [login_post(client, "alice", f"guess {i}").status_code for i in range(100)]
    right = login_post(client, "alice", PASSWORD, totp_code(device))

    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    assert right.status_code == 429
    assert not opens_the_admin(client)


def test_wrong_codes_after_the_right_password_lock_out_too(
    client: Client, staff: User, no_login_rate_limits: None
) -> None:
    device = totp_device(staff)
    wrong = wrong_code_for(device)

    answers = [login_post(client, "alice", PASSWORD, wrong).status_code for _ in range(5)]
    right = login_post(client, "alice", PASSWORD, totp_code(device))

    assert answers == [200, 200, 200, 200, 429]
    assert right.status_code == 429


def test_a_lockout_holds_only_for_the_address_it_came_from(
    client: Client, staff: User, no_login_rate_limits: None
) -> None:
    """Nobody can lock a member of staff out everywhere by typing their username."""
    device = totp_device(staff)
    for i in range(5):
        login_post(client, "alice", f"guess {i}", address="198.51.100.7")

    from_elsewhere = login_post(client, "alice", PASSWORD, totp_code(device), address="192.0.2.1")

    assert from_elsewhere.status_code == 302
    assert opens_the_admin(client)


def test_axes_reset_lifts_a_lockout(
    client: Client, staff: User, no_login_rate_limits: None
) -> None:
    device = totp_device(staff)
    for i in range(5):
        login_post(client, "alice", f"guess {i}")
    assert login_post(client, "alice", PASSWORD, totp_code(device)).status_code == 429

    call_command("axes_reset_username", "alice", verbosity=0)

    assert (
        login_post(client, "alice", PASSWORD, totp_code(device, steps_ahead=1)).status_code == 302
    )


def test_logins_failed_logins_lockouts_and_logouts_are_audited(
    client: Client, staff: User, no_login_rate_limits: None
) -> None:
    device = totp_device(staff)
    login_post(client, "alice", PASSWORD, totp_code(device), address="192.0.2.1")
    client.post(reverse("admin:logout"))
    for i in range(5):
        login_post(client, "alice", f"guess {i}", address="198.51.100.7")
    login_post(client, "nobody", "guess", address="198.51.100.8")

    rows = Counter(
        (entry.action, entry.actor, entry.address)
        for entry in AuditEntry.objects.all()
        if entry.action in ("login", "logout", "login_failed", "lockout")
    )

    assert rows == {
        ("login", "alice", "192.0.2.1"): 1,
        ("logout", "alice", "127.0.0.1"): 1,
        ("login_failed", "alice", "198.51.100.7"): 5,
        ("lockout", "alice", "198.51.100.7"): 1,
        ("login_failed", "nobody", "198.51.100.8"): 1,
    }


@pytest.fixture
def hashes(
    db: None, fast_passwords: None, one_minute: None, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Each username ModelBackend checks a password for: each check costs a full hash."""
    checked: list[str] = []
    authenticate = ModelBackend.authenticate

    def counted(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return authenticate(self, request, username, password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counted)
    return checked


def test_a_flood_of_login_posts_from_one_address_is_held_to_its_limit_and_hashes_nothing(
    client: Client, hashes: list[str], settings
) -> None:
    """A username per post: django-axes (per username and address) never locks this out."""
    settings.LOGIN_RATE_PER_IP = 10
    answers = [login_post(client, f"user{i}", "guess") for i in range(30)]

    assert [a.status_code for a in answers] == [200] * 10 + [429] * 20
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert hashes == []  # no code, no hash


def test_a_flood_against_one_account_from_many_addresses_is_held_to_the_account_limit(
    client: Client, staff: User, hashes: list[str], settings
) -> None:
    settings.LOGIN_RATE_PER_IP = 10
    settings.LOGIN_RATE_PER_ACCOUNT = 20
    wrong = wrong_code_for(totp_device(staff))
    answers = [
        login_post(client, "alice", "guess", wrong, address=f"198.51.100.{i}").status_code
        for i in range(40)
    ]

    assert answers == [200] * 20 + [429] * 20
    assert hashes == []


@pytest.mark.parametrize("password", ["1", "Vaks1n-2021", "123456789012", "password1234"])
def test_a_one_character_password_is_refused(password: str) -> None:
    """And its cousins: shorter than 12 characters, all digits, or a common password."""
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_admin_refuses_a_weak_password_for_a_new_member_of_staff(
    admin_client: Client,
) -> None:
    form = {"username": "bob", "password1": "1", "password2": "1", "usable_password": "true"}

    page = admin_client.post(reverse("admin:auth_user_add"), form)

    assert page.status_code == 200
    assert "This password is too short" in page.content.decode()
    assert not User.objects.filter(username="bob").exists()
    # Control: a long passphrase is taken.
    strong = {
        **form,
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    assert admin_client.post(reverse("admin:auth_user_add"), strong).status_code == 302
