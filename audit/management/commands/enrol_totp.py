import io
from typing import Any

import qrcode
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from audit.services import EnrolmentRefused, staff_totp_enrol


class Command(BaseCommand):
    help = (
        "Enrols a member of staff's authenticator app (TOTP), the second factor every admin "
        "login needs. Prints the key as a QR code (on a terminal) and as an otpauth:// URI for "
        "them to scan or paste into the app; show it to nobody else. --replace gives a new key "
        "to someone who already has one (a lost phone): the old one stops working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user, e.g. as made by create_staff.")
        parser.add_argument(
            "--replace", action="store_true", help="Replace the user's existing device."
        )

    def handle(self, *args: Any, username: str, replace: bool, **options: Any) -> None:
        try:
            device = staff_totp_enrol(username=username, replace=replace, actor="manage.py")
        except EnrolmentRefused as refused:
            raise CommandError(str(refused)) from None
        show_enrolment(self.stdout, username, device.config_url)


def show_enrolment(
    stdout: OutputWrapper, username: str, uri: str, *, picture: bool = False
) -> None:
    """The new key for the member's app: a QR code drawn in text (on a terminal, or when asked)
    and the otpauth:// URI, which every app also takes pasted."""
    if picture or stdout.isatty():
        code, drawn = qrcode.QRCode(border=2), io.StringIO()
        code.add_data(uri)
        code.print_ascii(out=drawn)
        stdout.write(drawn.getvalue())
    stdout.write(uri)
    stdout.write(
        f"Enrolled an authenticator app for {username}: scan the code or paste the URI "
        "into the app, then log in with the 6-digit code it shows."
    )
