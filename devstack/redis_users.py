"""The Redis users of deploy/redis/users.acl, read for the tests (scripts/services.sh reads the
same file for `make run`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from secrets import token_hex
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from devstack.processes import ROOT

USERS_FILE = ROOT / "deploy" / "redis" / "users.acl"


def users_rules() -> dict[str, list[str]]:
    """Each process's user by its name, and its ACL rules."""
    rules = {}
    for line in USERS_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, *rest = line.split()
            rules[name] = rest
    return rules


def user_url(url: str, username: str, password: str) -> str:
    """`url` (a Redis URL) as `username` with `password`."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(username)}:{quote(password)}@{host}"))


@contextmanager
def redis_users(client: Any, url: str, *, prefix: str) -> Iterator[dict[str, str]]:
    """Creates every user of users.acl as `<prefix><name>` with a new password, yields the URL
    of `url` for each (by name), and deletes them afterwards. Only users of that prefix are
    touched: the server's other users, its default user included, stay as they are."""
    urls = {}
    try:
        for name, rules in users_rules().items():
            password = token_hex(16)
            client.acl_setuser(f"{prefix}{name}", reset=True)
            client.execute_command(
                "ACL", "SETUSER", f"{prefix}{name}", "on", f">{password}", *rules
            )
            urls[name] = user_url(url, f"{prefix}{name}", password)
        yield urls
    finally:
        for name in users_rules():
            client.acl_deluser(f"{prefix}{name}")
