import getpass
import sys
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from audit.management.commands.enrol_totp import show_enrolment
from audit.services import audit_record, staff_totp_enrol


class Command(BaseCommand):
    help = (
        "Creates a member of staff who can log in to /admin/ (`make staff`): asks for a "
        "password, which must pass every password rule (at least 12 characters, not common, "
        "not all digits, not like the username; unlike createsuperuser, there is no way round "
        "them), then enrols their authenticator app and prints its key as a QR code and an "
        "otpauth:// URI. Without a terminal the password is read from the first line of "
        "standard input. A superuser unless --no-superuser (then grant permissions in the admin)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="Asked for when not given.")
        parser.add_argument(
            "--no-superuser",
            dest="superuser",
            action="store_false",
            help="Staff without permissions, to be granted in the admin.",
        )

    def handle(self, *args: Any, username: str | None, superuser: bool, **options: Any) -> None:
        stdin: TextIO = options.get("stdin") or sys.stdin
        interactive = stdin.isatty()
        users = get_user_model()
        username = (username or (input("Username: ") if interactive else "")).strip()
        if not username:
            raise CommandError("Give a username: manage.py create_staff USERNAME.")
        if users.objects.filter(username=username).exists():
            raise CommandError(
                f"{username} already exists: `manage.py changepassword {username}` sets a new "
                f"password, `manage.py enrol_totp --replace {username}` a new authenticator app."
            )
        user = users(username=username, is_staff=True, is_superuser=superuser)
        password = self._password(user, stdin, interactive)
        user.set_password(password)
        with transaction.atomic():
            user.save()
            audit_record(
                actor="manage.py",
                action="staff_create",
                target=username[:100],
                before="",
                after="superuser" if superuser else "staff",
                address=None,
            )
            device = staff_totp_enrol(username=username, replace=False, actor="manage.py")
        show_enrolment(self.stdout, username, device.config_url, picture=True)
        self.stdout.write(f"Log in at /admin/ as {username} with that password and the code.")

    def _password(self, user: Any, stdin: TextIO, interactive: bool) -> str:
        """A password every rule accepts: asked again on a terminal until one is, refused
        with the rules' own words otherwise."""
        while True:
            if interactive:
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    self.stderr.write("The two passwords differ. Try again.")
                    continue
            else:
                password = stdin.readline().rstrip("\r\n")
            try:
                validate_password(password, user)
            except ValidationError as refused:
                problems = " ".join(refused.messages)
                if not interactive:
                    raise CommandError(f"Password refused: {problems}") from None
                self.stderr.write(f"Password refused: {problems} Try another.")
                continue
            return password
