import io
from typing import Any

import qrcode
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import EnrolmentRefused, staff_totp_enrol


class Command(BaseCommand):
    help = (
        "Enrols a member of staff's authenticator app (TOTP), the second factor every admin "
        "login needs. Prints the key as a QR code (on a terminal) and as an otpauth:// URI for "
        "them to scan or paste into the app; show it to nobody else. --replace gives a new key "
        "to someone who already has one (a lost phone): the old one stops working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user, e.g. as made by createsuperuser.")
        parser.add_argument(
            "--replace", action="store_true", help="Replace the user's existing device."
        )

    def handle(self, *args: Any, username: str, replace: bool, **options: Any) -> None:
        try:
            device = staff_totp_enrol(username=username, replace=replace, actor="manage.py")
        except EnrolmentRefused as refused:
            raise CommandError(str(refused)) from None
        uri = device.config_url
        if self.stdout.isatty():
            code, picture = qrcode.QRCode(border=2), io.StringIO()
            code.add_data(uri)
            code.print_ascii(out=picture)
            self.stdout.write(picture.getvalue())
        self.stdout.write(uri)
        self.stdout.write(
            f"Enrolled an authenticator app for {username}: scan the code or paste the URI "
            "into the app, then log in with the 6-digit code it shows."
        )
