"""Typed readers for the environment that stop start-up with a message naming the variable."""

import os
from datetime import datetime
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def load_local_env(path: Path) -> None:
    """Takes KEY=VALUE lines from `path` (what `make run` leaves under var/) for every variable
    the environment does not set; a missing file is nothing to load."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return
    for line in lines:
        name, equals, value = line.partition("=")
        if equals and name.strip() and not name.startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: expected {expected}.")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise _fail(name, value, "1 or 0 (true/false, yes/no, on/off)")


def env_secret(name: str, *, debug: bool, development: str) -> str:
    """A secret that must be set outside debug; in debug, `development` stands in for it."""
    value = env_str(name)
    if value:
        return value
    if not debug:
        raise ImproperlyConfigured(f"{name} is required unless DJANGO_DEBUG=1.")
    return development


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, f"a whole number >= {minimum}") from None
    if number < minimum:
        raise _fail(name, value, f"a whole number >= {minimum}")
    return number


def env_day_range(name: str, default: tuple[int, int]) -> tuple[int, int] | None:
    """A range of days, "56-84" (or one number, "28"), from 1 to 365; "0" means none."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.strip() == "0":
        return None
    first, dash, last = value.strip().partition("-")
    try:
        low, high = int(first), int(last if dash else first)
    except ValueError:
        raise _fail(name, value, "days as FIRST-LAST (e.g. 56-84), one number, or 0") from None
    if not 1 <= low <= high <= 365:
        raise _fail(name, value, "days from 1 to 365, the first no later than the last")
    return low, high


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_networks(name: str) -> list[IPv4Network | IPv6Network]:
    """Comma-separated CIDR networks (a bare address is its own /32 or /128). A network with
    host bits set (10.20.3.4/16) is refused rather than widened: these lists grant trust, and a
    typo must not grant it to a whole /16."""
    networks = []
    for item in env_list(name):
        try:
            networks.append(ip_network(item, strict=True))
        except ValueError:
            raise _fail(
                name, item, "a network like 10.0.0.0/8 or 2001:db8::/32, without host bits"
            ) from None
    return networks


def env_datetime(name: str) -> datetime | None:
    """An ISO 8601 moment with its UTC offset, or None when unset."""
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(
            name, value, "ISO 8601 with an offset, e.g. 2021-05-23T12:00:00+08:00"
        ) from None
    if moment.tzinfo is None:
        raise _fail(name, value, "an offset such as +08:00 at the end")
    return moment


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if not value.startswith(tuple(f"{scheme}://" for scheme in schemes)):
        raise _fail(name, value, "a URL starting with " + " or ".join(f"{s}://" for s in schemes))
    return value


def env_addresses(name: str) -> list[tuple[str, int]]:
    """Comma-separated host:port pairs (Redis Sentinels, say), in the order given."""
    addresses = []
    for item in env_list(name):
        host, colon, port = item.rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise _fail(name, item, "host:port pairs separated by commas, e.g. 10.0.0.5:26379")
        addresses.append((host.strip("[]"), int(port)))
    return addresses
