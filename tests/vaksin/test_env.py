"""The typed readers of the environment: good values, defaults, and bad values refused with a
message that names the variable."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from vaksin.env import (
    env_addresses,
    env_bool,
    env_datetime,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_url,
)

NAME = "VAKSIN_TEST_SETTING"


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch):
    """Sets the test variable (None unsets it)."""
    monkeypatch.delenv(NAME, raising=False)

    def set_to(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(NAME, raising=False)
        else:
            monkeypatch.setenv(NAME, value)

    return set_to


def refusal(read, *args, **kwargs) -> str:
    with pytest.raises(ImproperlyConfigured) as refused:
        read(NAME, *args, **kwargs)
    return str(refused.value)


def test_a_string_is_read_as_it_is_or_defaults(setting) -> None:
    assert env_str(NAME, "fallback") == "fallback"
    setting(" as typed ")
    assert env_str(NAME, "fallback") == " as typed "


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", "ON"])
def test_a_boolean_reads_the_common_spellings_of_true(setting, value: str) -> None:
    setting(value)
    assert env_bool(NAME) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "off"])
def test_a_boolean_reads_the_common_spellings_of_false(setting, value: str) -> None:
    setting(value)
    assert env_bool(NAME, default=True) is False


@pytest.mark.parametrize("value", [None, ""])
def test_an_unset_or_empty_boolean_is_the_default(setting, value: str | None) -> None:
    setting(value)
    assert env_bool(NAME) is False
    assert env_bool(NAME, default=True) is True


def test_a_boolean_that_is_neither_is_refused_naming_the_variable(setting) -> None:
    setting("maybe")
    assert NAME in refusal(env_bool)


def test_a_whole_number_is_read_or_defaults(setting) -> None:
    assert env_int(NAME, 4) == 4
    setting("")
    assert env_int(NAME, 4) == 4
    setting("250")
    assert env_int(NAME, 4) == 250


@pytest.mark.parametrize(("value", "minimum"), [("lots", 0), ("1.5", 0), ("-1", 0), ("0", 1)])
def test_a_bad_whole_number_is_refused_naming_the_variable(
    setting, value: str, minimum: int
) -> None:
    setting(value)
    message = refusal(env_int, 4, minimum=minimum)
    assert NAME in message
    assert f">= {minimum}" in message


def test_a_list_is_split_on_commas_without_blanks(setting) -> None:
    assert env_list(NAME, "a,b") == ["a", "b"]
    setting(" one, two ,,three ")
    assert env_list(NAME) == ["one", "two", "three"]
    setting("")
    assert env_list(NAME) == []


def test_a_moment_is_read_with_its_offset_or_is_none(setting) -> None:
    assert env_datetime(NAME) is None
    setting("")
    assert env_datetime(NAME) is None
    setting("2021-05-23T12:00:00+08:00")
    moment = env_datetime(NAME)
    assert moment == datetime.datetime(2021, 5, 23, 4, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("value", "says"),
    [("tomorrow at noon", "ISO 8601"), ("2021-05-23T12:00:00", "an offset such as +08:00")],
)
def test_a_bad_moment_is_refused_naming_the_variable(setting, value: str, says: str) -> None:
    setting(value)
    message = refusal(env_datetime)
    assert NAME in message
    assert says in message


def test_a_url_is_read_or_defaults(setting) -> None:
    schemes = ("redis", "rediss")
    assert env_url(NAME, "redis://127.0.0.1:6379/0", schemes=schemes) == "redis://127.0.0.1:6379/0"
    setting("rediss://cache.example:6380/1")
    assert env_url(NAME, "redis://x", schemes=schemes) == "rediss://cache.example:6380/1"


@pytest.mark.parametrize("value", ["localhost:6379", "http://localhost:6379"])
def test_a_url_of_another_scheme_is_refused_naming_the_variable(setting, value: str) -> None:
    setting(value)
    message = refusal(env_url, "redis://x", schemes=("redis", "rediss"))
    assert NAME in message
    assert "redis://" in message


def test_networks_are_read_as_cidr_and_a_bad_one_is_named(monkeypatch) -> None:
    monkeypatch.setenv("SOME_NETWORKS", "10.0.0.0/8, 2001:db8::/32,192.0.2.7")
    assert [str(n) for n in env_networks("SOME_NETWORKS")] == [
        "10.0.0.0/8",
        "2001:db8::/32",
        "192.0.2.7/32",
    ]
    monkeypatch.setenv("SOME_NETWORKS", "10.0.0.0/8,not-a-network")
    with pytest.raises(ImproperlyConfigured, match="SOME_NETWORKS"):
        env_networks("SOME_NETWORKS")


@pytest.mark.parametrize("value", ["10.0.0.5", "10.0.0.5:port", ":26379", "host:0", "h:70000"])
def test_a_bad_sentinel_address_is_refused_naming_the_variable(setting, value: str) -> None:
    setting(f"10.0.0.4:26379,{value}")
    message = refusal(env_addresses)
    assert NAME in message
    assert "host:port" in message


def test_sentinel_addresses_are_read_in_order(setting) -> None:
    setting("10.0.0.4:26379, sentinel-b:26380,[2001:db8::1]:26381")
    assert env_addresses(NAME) == [
        ("10.0.0.4", 26379),
        ("sentinel-b", 26380),
        ("2001:db8::1", 26381),
    ]
