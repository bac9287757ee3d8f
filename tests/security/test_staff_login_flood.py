"""A flood of login posts must not keep staff out, nor make the server hash passwords.

Found on a running instance: 70 login posts from 7 addresses in 18 seconds, then an operator
with the right password and code was answered 429. A limit shared by every account (there to
stop floods of password hashes) let 1.2 posts a second keep every member of staff out. Now the
code is checked before the password, so no flood costs a hash, and the limits are per address
and per account; an operator on STAFF_NETWORKS always reaches the check.
"""

import ipaddress
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from devstack.processes import ROOT
from devstack.staff import totp_code, totp_device
from tests.security.test_staff_login import wrong_code_for
from tests.staff import PASSWORD, login_post, opens_the_admin

# The seven addresses of the flood, and the operator's own, an eighth.
FLOOD_ADDRESSES = [f"203.0.113.{n}" for n in range(1, 8)]
OPERATOR_ADDRESS = "198.51.100.20"
# What a password sprayer tries: the usernames every admin has somewhere.
SPRAYED = ["admin", "root", "administrator", "operator", "staff", "test", "user", "support"]

HASHED: list[str] = []


class CountingHasher(MD5PasswordHasher):
    """The fast hasher, counting each hash it computes (checking a password and Django's
    stand-in hash for an unknown username both come here)."""

    def encode(self, password: str, salt: str) -> str:
        HASHED.append(str(self.algorithm))
        return super().encode(password, salt)


@pytest.fixture
def hashes(staff: User, settings: SettingsWrapper) -> Iterator[list[str]]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    HASHED.clear()
    yield HASHED
    HASHED.clear()


@pytest.fixture
def device(staff: User) -> TOTPDevice:
    return totp_device(staff)


@pytest.fixture
def staff_networks(settings: SettingsWrapper) -> None:
    settings.STAFF_NETWORKS = [
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("2001:db8:5::7/128"),
    ]


def flood(username_for: Callable[[int], str], *, wrong: str = "") -> list[int]:
    """Ten posts from each flood address, from a client of the attacker's own."""
    attacker = Client()
    return [
        login_post(attacker, username_for(n), f"guess {n}", wrong, address=address).status_code
        for address in FLOOD_ADDRESSES
        for n in range(10)
    ]


def test_70_posts_from_7_addresses_then_the_operator_logs_in_from_an_eighth(
    client: Client, device: TOTPDevice, one_minute: None
) -> None:
    """The incident, with the limits as they are by default."""
    answers = flood(lambda n: SPRAYED[n % len(SPRAYED)])

    right = login_post(client, "alice", PASSWORD, totp_code(device), address=OPERATOR_ADDRESS)

    assert len(answers) == 70 and set(answers) <= {200, 429}
    assert right.status_code == 302
    assert opens_the_admin(client)


def test_a_wrong_code_costs_no_password_hash(
    client: Client, device: TOTPDevice, hashes: list[str], no_login_rate_limits: None
) -> None:
    login_post(client, "alice", PASSWORD, wrong_code_for(device))  # the right password
    login_post(client, "alice", "not the password")  # no code
    login_post(client, "nobody", PASSWORD, totp_code(device))  # alice's code, not theirs
    assert hashes == []
    # Control: the right code opens the password check, which hashes.
    assert login_post(client, "alice", PASSWORD, totp_code(device)).status_code == 302
    assert len(hashes) == 1


def test_a_code_that_logged_in_opens_nothing_again(
    client: Client, device: TOTPDevice, hashes: list[str], no_login_rate_limits: None
) -> None:
    """Seen over a shoulder, a used code buys no hash: the check refuses it as django-otp does."""
    code = totp_code(device)
    assert login_post(client, "alice", PASSWORD, code).status_code == 302
    client.post(reverse("admin:logout"))
    HASHED.clear()

    again = login_post(Client(), "alice", PASSWORD, code, address=OPERATOR_ADDRESS)

    assert again.status_code == 200
    assert hashes == []


def test_an_unknown_username_and_a_wrong_code_answer_the_same(
    device: TOTPDevice, hashes: list[str], no_login_rate_limits: None
) -> None:
    """Same page, same refusal, same work (queries and hashes): no username is given away."""
    wrong = wrong_code_for(device)

    def attempt(username: str, address: str) -> tuple[int, list[str], int, int]:
        HASHED.clear()
        with CaptureQueriesContext(connection) as queries:
            page = login_post(Client(), username, PASSWORD, wrong, address=address)
        errors = list(page.context["form"].non_field_errors())
        return page.status_code, errors, len(queries), len(HASHED)

    known = attempt("alice", "192.0.2.1")
    unknown = attempt("nobody", "192.0.2.2")

    assert known == unknown
    assert known[0] == 200 and known[3] == 0


def test_a_flood_against_one_account_does_not_stop_another(
    client: Client, staff: User, device: TOTPDevice, one_minute: None
) -> None:
    bob = User.objects.create_user("bob", password=PASSWORD, is_staff=True)
    bobs_device = totp_device(bob)
    answers = flood(lambda n: "alice", wrong=wrong_code_for(device))

    bob_logs_in = login_post(client, "bob", PASSWORD, totp_code(bobs_device), address="192.0.2.9")
    # Control: the flood did reach alice's own limit, for everyone outside the staff networks.
    alice = login_post(Client(), "alice", PASSWORD, totp_code(device), address=OPERATOR_ADDRESS)

    assert 429 in answers
    assert bob_logs_in.status_code == 302
    assert opens_the_admin(client)
    assert alice.status_code == 429


def test_posts_django_axes_refuses_do_not_spend_the_account_limit(
    client: Client, device: TOTPDevice, one_minute: None, settings
) -> None:
    """Else one address could keep an account's limit spent: its first five wrong codes lock it
    out (LOGIN_FAILURE_LIMIT), and only those five count against the account."""
    settings.LOGIN_RATE_PER_ACCOUNT = 6
    attacker = Client()
    wrong = wrong_code_for(device)
    answers = [
        login_post(attacker, "alice", "guess", wrong, address="203.0.113.1").status_code
        for _ in range(10)
    ]

    right = login_post(client, "alice", PASSWORD, totp_code(device), address=OPERATOR_ADDRESS)

    assert answers == [200] * 4 + [429] * 6
    assert right.status_code == 302


@pytest.mark.parametrize("address", ["10.20.3.4", "::ffff:10.20.3.4", "2001:db8:5::7"])
def test_from_a_staff_network_the_operator_logs_in_during_a_flood_of_its_own_account(
    client: Client, device: TOTPDevice, staff_networks: None, one_minute: None, address: str
) -> None:
    flood(lambda n: "alice", wrong=wrong_code_for(device))
    # Control: from outside, the account's limit is spent.
    outside = login_post(Client(), "alice", PASSWORD, totp_code(device), address=OPERATOR_ADDRESS)

    inside = login_post(client, "alice", PASSWORD, totp_code(device), address=address)

    assert outside.status_code == 429
    assert inside.status_code == 302
    assert opens_the_admin(client)


def test_a_staff_network_is_no_exemption_from_the_code_nor_from_django_axes(
    client: Client, device: TOTPDevice, staff_networks: None
) -> None:
    """One's own failures from the office count as anywhere else's."""
    wrong = wrong_code_for(device)
    answers = [
        login_post(client, "alice", PASSWORD, wrong, address="10.20.3.4").status_code
        for _ in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]
    assert not opens_the_admin(client)


def forwarded_post(client: Client, code: str, *, peer: str, forwarded: str) -> int:
    form = {"username": "alice", "password": PASSWORD, "otp_token": code, "next": "/admin/"}
    return client.post(
        reverse("admin:login"), form, headers={"X-Forwarded-For": forwarded}, REMOTE_ADDR=peer
    ).status_code


def test_behind_a_proxy_the_staff_network_is_the_client_our_proxy_names(
    client: Client, device: TOTPDevice, staff_networks: None, one_minute: None, settings
) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("172.16.0.0/12")]
    flood(lambda n: "alice", wrong=wrong_code_for(device))

    forged = forwarded_post(Client(), totp_code(device), peer="198.51.100.9", forwarded="10.20.3.4")
    relayed = forwarded_post(
        client, totp_code(device), peer="172.16.0.2", forwarded="forged, 10.20.3.4"
    )

    assert forged == 429  # anyone can write the header; only our proxies are believed
    assert relayed == 302


def start_up(**env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "vaksin.settings", "VAKSIN_LOCAL_ENV": ""}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "value", ["office", "10.20.0.0/33", "10.20.0.0/16,vpn.example", "10.20.3.4/16"]
)
def test_a_bad_staff_network_stops_start_up_naming_it(value: str) -> None:
    result = start_up(STAFF_NETWORKS=value)
    assert result.returncode != 0
    last_line = result.stderr.splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: STAFF_NETWORKS=")
    assert "expected a network like 10.0.0.0/8" in last_line
    # Control: good networks, IPv4 and IPv6, start.
    assert start_up(STAFF_NETWORKS="10.20.0.0/16, 2001:db8:5::/48").returncode == 0
