"""Fixtures for the attacks on the staff side."""

import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.staff import PASSWORD
from vaksin import login_limits


@pytest.fixture
def fast_passwords(settings: SettingsWrapper) -> None:
    """A cheap hasher: these tests count hashes and lockouts, not the hasher's cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db: None, fast_passwords: None) -> User:
    """A member of staff with a password (PASSWORD) and no permissions."""
    return User.objects.create_user("alice", password=PASSWORD, is_staff=True)


@pytest.fixture
def no_login_rate_limits(settings: SettingsWrapper) -> None:
    """Only django-axes between a script and the login form."""
    settings.LOGIN_RATE_PER_IP = 0
    settings.LOGIN_RATE_PER_ACCOUNT = 0


@pytest.fixture
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every login post of the test falls in the same minute of the per-minute limits (a run
    crossing a minute would otherwise start counting again)."""
    now = time.time()
    monkeypatch.setattr(login_limits, "time", SimpleNamespace(time=lambda: now))
