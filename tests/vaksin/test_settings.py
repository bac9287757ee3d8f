"""A bad environment stops start-up with a message that names the variable."""

import os
import subprocess
import sys

import pytest

from devstack.processes import ROOT

GOOD = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "PERSON_KEY_SECRET": "y" * 50,
    "REFERENCE_SECRET": "z" * 50,
    "DJANGO_DEBUG": "0",
}


def start_up(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in GOOD}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment | {"DJANGO_SETTINGS_MODULE": "vaksin.settings", "VAKSIN_LOCAL_ENV": ""},
        capture_output=True,
        text=True,
        check=False,
    )


def test_good_settings_let_it_start() -> None:
    assert start_up(**GOOD).returncode == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("RATE_LIMIT_PER_IP", "lots"),
        ("RATE_LIMIT_PER_IP", "-1"),
        ("REDIS_URL", "localhost:6379"),
        ("DATABASE_URL", "mysql://x"),
        ("REGISTRATION_OPENS_AT", "tomorrow at noon"),
        ("REGISTRATION_OPENS_AT", "2021-05-23T12:00:00"),
        ("RETENTION_DAYS", "ninety"),
        ("RETENTION_DAYS", "0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    result = start_up(**(GOOD | {variable: value}))
    assert result.returncode != 0
    assert variable in result.stderr.splitlines()[-1]


def test_the_secret_key_is_required_outside_debug() -> None:
    result = start_up(DJANGO_DEBUG="0")
    assert "DJANGO_SECRET_KEY" in result.stderr.splitlines()[-1]


def test_the_person_key_secret_is_required_outside_debug() -> None:
    result = start_up(DJANGO_SECRET_KEY="x" * 50, DJANGO_DEBUG="0")
    assert "PERSON_KEY_SECRET" in result.stderr.splitlines()[-1]


def test_the_reference_secret_is_required_outside_debug() -> None:
    result = start_up(DJANGO_SECRET_KEY="x" * 50, PERSON_KEY_SECRET="y" * 50, DJANGO_DEBUG="0")
    assert "REFERENCE_SECRET" in result.stderr.splitlines()[-1]


def test_the_person_key_secret_must_not_be_the_secret_key() -> None:
    result = start_up(**(GOOD | {"PERSON_KEY_SECRET": GOOD["DJANGO_SECRET_KEY"]}))
    assert "PERSON_KEY_SECRET" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TRUSTED_PROXIES", "10.0.0.0/33"), ("TRUSTED_PROXY_HEADER", "X-Forwarded-For")],
)
def test_proxy_settings_are_checked_at_start_up(variable: str, value: str) -> None:
    result = start_up(**(GOOD | {variable: value}))
    assert result.returncode != 0
    assert variable in result.stderr.splitlines()[-1]
