"""The README's claims a test can check: its first screen lists two commands, the second
checkout's ports are free of `make run-ha`'s, the password rule holds for `make staff`, it stays
short, and every `manage.py` command the README and docs/ name exists and answers --help beside
`make run` (with nothing set but the var/local.env that `make run` writes)."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)
from django.core.management import call_command
from django.core.management.base import CommandError

from devstack.local_env import write_local_env
from devstack.processes import ROOT

README = (ROOT / "README.md").read_text()
DOCS = {path.name: path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))}


def test_the_readme_is_short_and_its_first_screen_is_the_two_commands() -> None:
    assert len(README.encode()) < 12 * 1024
    first_screen = "\n".join(README.splitlines()[:60])
    section = README.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^make [a-z-]+", section.split("```")[1], re.MULTILINE)
    assert commands == ["make run", "make test"]
    for claim in ("## The two commands", "var/log/sms.log", "make staff", "/admin/"):
        assert claim in first_screen, claim
    assert "createsuperuser` is not the way" in README


def ha_ports() -> set[int]:
    """What `make run-ha` listens on by default (deploy/ha.py): nginx at PORT, the web nodes on
    the next ones, the Redis primary and replicas, the Sentinels."""
    ha = (ROOT / "deploy" / "ha.py").read_text()
    redis = int(re.search(r'"HA_REDIS_PORT", "(\d+)"', ha)[1])  # type: ignore[index]
    sentinel = int(re.search(r'"HA_SENTINEL_PORT", "(\d+)"', ha)[1])  # type: ignore[index]
    nodes = int(re.search(r'"HA_WEB_NODES", "(\d+)"', ha)[1])  # type: ignore[index]
    return {*range(8000, 8001 + nodes), *range(redis, redis + 3), *range(sentinel, sentinel + 3)}


@pytest.mark.parametrize("name", ["development.md", "api.md"])
def test_a_second_checkout_takes_no_port_of_make_run_ha(name: str) -> None:
    examples = re.findall(r"make run (PORT=\d+ REDIS_PORT=\d+ PG_PORT=\d+)", DOCS[name])
    assert examples
    for example in examples:
        ports = {int(port) for port in re.findall(r"=(\d+)", example)}
        assert not ports & (ha_ports() | {8000, 6391, 5441}), example


def test_the_password_rule_the_readme_states_holds_for_make_staff(db: None) -> None:
    """At least 12 characters, "abc" refused: make staff's command creates nobody with it."""
    length = next(
        validator.min_length
        for validator in get_default_password_validators()
        if isinstance(validator, MinimumLengthValidator)
    )
    assert f"at least {length} characters" in README
    assert "`abc` is refused" in README
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_staff", "newcomer", stdin=io.StringIO("abc\n"), stdout=io.StringIO())
    assert not User.objects.filter(username="newcomer").exists()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^staff:\n\t\$\(VENV\)/python manage.py create_staff", makefile, re.M)


def documented_commands() -> set[str]:
    texts = [README, *DOCS.values()]
    named = {name for text in texts for name in re.findall(r"manage\.py ([a-z][a-z_]+)", text)}
    # docs/api.md section 8 names each operators' command in bold.
    operators = DOCS["api.md"].split("## 8. ", 1)[1].split("\n## ", 1)[0]
    named |= set(re.findall(r"^\*\*`([a-z_]+)", operators, re.MULTILINE))
    return named


CHECK = """
import sys
import django
from django.core.management import get_commands, load_command_class
django.setup()
known = get_commands()
for name in sys.argv[1:]:
    if name not in known:
        print(f"{name}: no such command")
        continue
    command = load_command_class(known[name], name)
    command.create_parser("manage.py", name).format_help()
    print(f"{name}: ok")
"""


def test_every_documented_command_answers_help_beside_make_run(tmp_path: Path) -> None:
    commands = sorted(documented_commands())
    assert {"create_staff", "export_bookings", "waiting_room_draw", "enrol_totp"} <= set(commands)
    local_env = tmp_path / "local.env"
    write_local_env(local_env, os.environ)
    bare = {
        "PATH": os.environ["PATH"],
        "VAKSIN_LOCAL_ENV": str(local_env),
        "DJANGO_SETTINGS_MODULE": "vaksin.settings",
    }
    checked = subprocess.run(
        [sys.executable, "-c", CHECK, *commands],
        cwd=ROOT,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines() == [f"{name}: ok" for name in commands]
    # And through manage.py itself, as a person types it.
    one = subprocess.run(
        [sys.executable, "manage.py", "waiting_room_draw", "--help"],
        cwd=ROOT,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one.returncode == 0 and "--verify" in one.stdout, one.stderr
